"""Primary storage pools (where volumes live)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class StoragePool(Entity, RemovableMixin):
    __tablename__ = "storage_pool"
    __table_args__ = (UniqueConstraint("zone_id", "name", "tombstone"),)

    name: Mapped[str] = mapped_column(String(255))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pod.id"), nullable=True, index=True)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("cluster.id"), nullable=True, index=True
    )
    # Local storage pools belong to one host.
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"), nullable=True, index=True)
    # CLUSTER | ZONE | HOST
    scope: Mapped[str] = mapped_column(String(16))
    # NetworkFilesystem | Filesystem | SharedMountPoint | ...
    pool_type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2048))
    host_address: Mapped[str] = mapped_column(String(255), default="")
    path: Mapped[str] = mapped_column(String(1024), default="")
    port: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str] = mapped_column(String(64), default="DefaultPrimary")
    hypervisor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tags: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    is_tag_a_rule: Mapped[bool] = mapped_column(Boolean, default=False)
    managed: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # Sum of the sizes of volumes placed on the pool (kept by volume services).
    allocated_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    capacity_iops: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Initialized | Up | Disabled | PrepareForMaintenance | Maintenance | ...
    status: Mapped[str] = mapped_column(String(32), default="Up")


class StoragePoolDetail(Base, IdMixin):
    __tablename__ = "storage_pool_detail"
    __table_args__ = (UniqueConstraint("pool_id", "name"),)

    pool_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("storage_pool.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(1024))
