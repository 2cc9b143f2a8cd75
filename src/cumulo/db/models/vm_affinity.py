"""Which VMs belong to which affinity groups (CloudStack's affinity_group_vm_map)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, IdMixin


class AffinityGroupVmMap(Base, IdMixin):
    __tablename__ = "affinity_group_vm_map"
    __table_args__ = (UniqueConstraint("group_id", "instance_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("affinity_group.id"), index=True)
    instance_id: Mapped[int] = mapped_column(BigInteger, index=True)
