"""Affinity groups: placement rules (anti-affinity, affinity) for account VMs."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class AffinityGroup(Entity):
    __tablename__ = "affinity_group"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    name: Mapped[str] = mapped_column(String(255))
    # "host anti-affinity", "host affinity", "non-strict host anti-affinity", ...
    type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), index=True)
    # Account | Domain (explicit dedication groups are domain-wide)
    acl_type: Mapped[str] = mapped_column(String(16), default="Account")
