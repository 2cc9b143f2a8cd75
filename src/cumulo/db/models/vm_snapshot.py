"""VM snapshots: a point-in-time copy of all disks (and memory) of a user VM."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin


class VMSnapshot(Entity, RemovableMixin):
    __tablename__ = "vm_snapshots"
    __table_args__ = (
        Index("ix_vm_snapshots_owner", "account_id", "domain_path"),
        Index("ix_vm_snapshots_vm", "vm_id"),
    )

    # CloudStack's generated name (<instance name>_VS_<yyyyMMddHHmmss>).
    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    vm_id: Mapped[int] = mapped_column(ForeignKey("vm_instance.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    # Disk | DiskAndMemory
    snapshot_type: Mapped[str] = mapped_column(String(16), default="Disk")
    # Allocated | Creating | Ready | Reverting | Expunging | Error
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
    parent_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The snapshot the VM was last taken at or reverted to.
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    hypervisor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Where the hypervisor keeps it (the simulator's snapshot id).
    path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # JSON: the volumes (id, path, pool) the snapshot covers.
    volumes: Mapped[str | None] = mapped_column(Text, nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
