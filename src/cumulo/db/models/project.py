"""Projects: a shared account (type 5) whose members act on its resources."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
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
    """A membership in a project; ``role`` Admin may manage it.

    An account row (``user_id`` NULL) makes every user of the account a member;
    a user row (CloudStack 4.15+, addUserToProject) only that user.
    """

    __tablename__ = "project_account"
    __table_args__ = (UniqueConstraint("project_id", "account_id", "user_slot"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True, index=True)
    # user_id, or 0 for the account row: NULLs never clash in a unique key, 0 does.
    user_slot: Mapped[int] = mapped_column(BigInteger, default=0)
    # Admin | Regular
    role: Mapped[str] = mapped_column(String(16), default="Regular")
    # A project role narrowing what a Regular member may call in the project.
    project_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_role.id"), nullable=True, index=True
    )


class ProjectInvitation(Entity):
    """An invitation to join a project (``project.invite.required``).

    For an account (``account_id``), a user (``user_id`` too) or an email
    address (``email`` + the hash of the token mailed there).
    """

    __tablename__ = "project_invitation"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Pending | Completed | Declined | Expired
    state: Mapped[str] = mapped_column(String(16), default="Pending")
    # The project role the invitee gets on accepting: Admin | Regular
    role: Mapped[str] = mapped_column(String(16), default="Regular")
    # ... and the project role it gets (ProjectMember.project_role_id).
    project_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_role.id"), nullable=True, index=True
    )
    # "<project>:<account>:<user or 0>" (email: "<project>:@<address>") while
    # Pending, else NULL: one pending invitation per invitee, also against
    # concurrent adds on other nodes.
    pending_key: Mapped[str | None] = mapped_column(String(320), nullable=True, unique=True)
