"""Project roles: per-project ordered allow/deny rules that narrow what a member may call."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class ProjectRole(Entity, RemovableMixin):
    __tablename__ = "project_role"
    __table_args__ = (UniqueConstraint("project_id", "name", "tombstone"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(1024), nullable=True)


class ProjectRolePermission(Entity):
    __tablename__ = "project_role_permission"
    __table_args__ = (UniqueConstraint("project_role_id", "rule"),)

    project_role_id: Mapped[int] = mapped_column(ForeignKey("project_role.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    rule: Mapped[str] = mapped_column(String(255))
    # allow | deny
    permission: Mapped[str] = mapped_column(String(8))
    description: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
