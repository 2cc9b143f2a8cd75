"""Volumes: ROOT and DATADISK disks of VMs, on primary storage pools."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin, UTCDateTime


class Volume(Entity, RemovableMixin):
    __tablename__ = "volume"
    __table_args__ = (
        Index("ix_volume_owner", "account_id", "domain_path"),
        Index("ix_volume_instance", "instance_id"),
        # Admin lists walk this index in id order and count and keyword-match on it alone
        # (docs/benchmarks-scale.md): no sort, no table rows for the rows skipped or counted.
        Index("ix_volume_list", "removed", "id", "account_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(255))
    # ROOT | DATADISK
    volume_type: Mapped[str] = mapped_column(String(16), default="DATADISK")
    # Allocated | Creating | Ready | Attaching | Migrating | Resizing | Snapshotting |
    # UploadOp | Uploaded | Destroy | Expunging | Expunged | Error
    state: Mapped[str] = mapped_column(String(32), default="Allocated")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pool_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_pool_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    instance_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the volume was attached to instance_id (VolumeResponse.attached).
    attached: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disk_offering_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    template_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provisioning_type: Mapped[str] = mapped_column(String(16), default="thin")
    min_iops: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    max_iops: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Owner
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # updateVolume: shown to the end user; refuse destroy/delete; hypervisor chain (admin).
    display_volume: Mapped[bool] = mapped_column(Boolean, default=True)
    delete_protection: Mapped[bool] = mapped_column(Boolean, default=False)
    chain_info: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
