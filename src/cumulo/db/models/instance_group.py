"""Instance groups (CloudStack's ``instance_group``): named sets of an account's VMs.

A VM belongs to at most one group (``vm_instance.instance_group_id``), as in
CloudStack, where the group is an attribute of the VM rather than a placement
rule.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin


class InstanceGroup(Entity, RemovableMixin):
    __tablename__ = "instance_group"
    __table_args__ = (
        UniqueConstraint("account_id", "name", "tombstone"),
        Index("ix_instance_group_owner", "account_id", "domain_path"),
    )

    name: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH))
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
