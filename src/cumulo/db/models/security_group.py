"""Security groups (Basic zones with SG, Advanced SG zones), their rules and members."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class SecurityGroup(Entity):
    __tablename__ = "security_group"
    # One name per account: also what makes the on-demand "default" group unique.
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")


class SecurityGroupRule(Entity):
    __tablename__ = "security_group_rule"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("security_group.id", ondelete="CASCADE"), index=True
    )
    # ingress | egress
    type: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str] = mapped_column(String(16))
    start_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    icmp_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    icmp_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cidr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Traffic from/to the members of another group (usersecuritygrouplist).
    allowed_group_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)


class SecurityGroupVm(Entity):
    """A VM's membership; the VM service writes these when it deploys into groups."""

    __tablename__ = "security_group_vm_map"
    __table_args__ = (UniqueConstraint("group_id", "vm_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("security_group.id"), index=True)
    vm_id: Mapped[int] = mapped_column(BigInteger, index=True)
