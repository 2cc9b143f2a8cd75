"""Volume snapshots and the recurring snapshot policies of volumes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin, UTCDateTime


class Snapshot(Entity, RemovableMixin):
    __tablename__ = "snapshot"
    __table_args__ = (
        Index("ix_snapshot_owner", "account_id", "domain_path"),
        Index("ix_snapshot_volume", "volume_id"),
    )

    name: Mapped[str] = mapped_column(String(255))
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    # MANUAL | HOURLY | DAILY | WEEKLY | MONTHLY
    snapshot_type: Mapped[str] = mapped_column(String(16), default="MANUAL")
    policy_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Allocated | Creating | BackedUp | Destroyed | Error
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    physical_size: Mapped[int] = mapped_column(BigInteger, default=0)
    # Where the driver keeps the copy.
    path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    hypervisor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    location_type: Mapped[str] = mapped_column(String(16), default="SECONDARY")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class SnapshotPolicy(Entity, RemovableMixin):
    __tablename__ = "snapshot_policy"

    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"), index=True)
    # HOURLY | DAILY | WEEKLY | MONTHLY
    interval_type: Mapped[str] = mapped_column(String(16))
    schedule: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(100))
    max_snaps: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    for_display: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the scheduler takes the next snapshot (UTC); None = not planned yet.
    next_run: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
