"""Projects: a shared account (type 5) whose members act on its resources."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class Project(Entity, RemovableMixin):
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("domain_id", "name", "tombstone"),)

    name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str | None] = mapped_column(String(255), nullable=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)
    # The account (type 5) that owns the project's resources.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    # Active | Suspended | Disabled
    state: Mapped[str] = mapped_column(String(16), default="Active")


class ProjectMember(Entity):
    """An account's membership in a project; ``role`` Admin may manage it."""

    __tablename__ = "project_account"
    __table_args__ = (UniqueConstraint("project_id", "account_id"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # Admin | Regular
    role: Mapped[str] = mapped_column(String(16), default="Regular")
