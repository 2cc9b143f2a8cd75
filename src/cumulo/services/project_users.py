"""Single users as project members (CloudStack 4.15+: addUserToProject)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, User
from cumulo.db.models.project import Project, ProjectInvitation, ProjectMember
from cumulo.errors import InvalidParameter
from cumulo.services import projects


def find_user(session: Session, project: Project, username: str) -> User:
    """A live user of the project's domain by name (usernames are unique per domain)."""
    user = session.execute(
        select(User).where(
            User.domain_id == project.domain_id,
            User.username == username,
            User.removed.is_(None),
        )
    ).scalar()
    if user is None:
        raise InvalidParameter(
            f"No user named {username} in the domain of project {project.name}; "
            "give the username of a user of that domain"
        )
    return user


def user_row(session: Session, project: Project, user: User) -> ProjectMember | None:
    return session.execute(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == user.id
        )
    ).scalar()


def check_addable(session: Session, project: Project, user: User) -> Account:
    """The user's account, when the user may join the project now."""
    account = session.get(Account, user.account_id)
    assert account is not None
    projects.check_joinable(project, account)
    if user.removed is not None or user.state != "enabled":
        raise InvalidParameter(f"User {user.username} is not enabled; enable it first")
    if user_row(session, project, user) is not None:
        raise InvalidParameter(
            f"User {user.username} has already been added to the project {project.name}"
        )
    return account


def add_user(
    session: Session, caller: Caller, project: Project, user: User, roles: projects.MemberRoles
) -> ProjectMember:
    """Make the user a member with ``roles`` (the caller's permission is checked before)."""
    account = check_addable(session, project, user)
    row = ProjectMember(
        project_id=project.id,
        account_id=account.id,
        user_id=user.id,
        user_slot=user.id,
        role=roles.role,
        project_role_id=roles.project_role_id,
    )
    session.add(row)
    session.flush()
    projects.event(session, caller, "PROJECT.USER.ADD", f"User {user.username} added", project)
    return row


def check_removable(
    session: Session, caller: Caller, project: Project, user: User
) -> ProjectMember:
    """The user's own membership row, when the caller may remove it now."""
    projects.check_manage(session, caller, project)
    row = user_row(session, project, user)
    if row is None:
        raise InvalidParameter(
            f"User {user.username} is not a member of project {project.name} "
            "(members through their account are removed with deleteAccountFromProject)"
        )
    if row.role == projects.ADMIN and projects.admin_count(session, project) <= 1:
        raise InvalidParameter(
            f"User {user.username} is the only admin of project {project.name}; "
            "make another member admin first"
        )
    return row


def remove_user(session: Session, caller: Caller, project: Project, user: User) -> None:
    row = check_removable(session, caller, project, user)
    session.delete(row)
    session.flush()
    projects.event(session, caller, "PROJECT.USER.REMOVE", f"User {user.username} removed", project)


def solely_administered(session: Session, user: User) -> list[str]:
    """Names of live projects whose only admin is this user's own membership."""
    rows = session.execute(
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            ProjectMember.user_id == user.id,
            ProjectMember.role == projects.ADMIN,
            Project.removed.is_(None),
        )
    ).scalars()
    return [p.name for p in rows if projects.admin_count(session, p) <= 1]


def forget_user(session: Session, user: User) -> None:
    """The user goes (deleted or moved to another account): its own memberships and
    pending invitations go too, unless it is a project's last admin (431, nothing changed)."""
    sole = solely_administered(session, user)
    if sole:
        raise InvalidParameter(
            f"User {user.username} is the only admin of project(s) {', '.join(sole)}; make "
            "another member admin first"
        )
    session.query(ProjectMember).filter(ProjectMember.user_id == user.id).delete()
    # Pending invitations name the account it leaves.
    session.query(ProjectInvitation).filter(
        ProjectInvitation.user_id == user.id, ProjectInvitation.state == "Pending"
    ).delete()
