"""Roles and the ordered allow/deny rules of dynamic roles."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class Role(Entity, RemovableMixin):
    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("name", "role_type", "tombstone"),)

    name: Mapped[str] = mapped_column(String(255))
    # Admin | ResourceAdmin | DomainAdmin | User
    role_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    # enabled | disabled
    state: Mapped[str] = mapped_column(String(16), default="enabled")


class RolePermission(Entity):
    __tablename__ = "role_permission"
    __table_args__ = (UniqueConstraint("role_id", "rule"),)

    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"), index=True)
    rule: Mapped[str] = mapped_column(String(255))
    # allow | deny
    permission: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
