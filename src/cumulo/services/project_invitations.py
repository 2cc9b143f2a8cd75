"""Project invitations: with ``project.invite.required`` members join by accepting one.

An invitation names an account, a user of an account, or an email address (a
token is mailed there; whoever presents it joins). It is Pending until the
invitee accepts (Completed) or declines (Declined), a project admin deletes
it, or ``project.invite.timeout`` seconds pass (Expired; a periodic sweep
stores the state, views show it at once).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.cluster import periodic
from cumulo.db.base import utcnow
from cumulo.db.models.account import Account, User
from cumulo.db.models.project import Project, ProjectInvitation
from cumulo.errors import InvalidParameter
from cumulo.runtime import Runtime
from cumulo.services import project_users, projects
from cumulo.services.configuration import ConfigStore

PENDING, COMPLETED, DECLINED, EXPIRED = "Pending", "Completed", "Declined", "Expired"
STATES = (PENDING, COMPLETED, DECLINED, EXPIRED)
# How often the sweep stores Expired (CloudStack's cleanup runs about every minute).
SWEEP_SECONDS = 60.0


def required(config: ConfigStore) -> bool:
    return config.get_bool("project.invite.required")


def timeout_seconds(config: ConfigStore) -> int:
    return config.get_int("project.invite.timeout")


def is_expired(inv: ProjectInvitation, timeout: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return inv.state == PENDING and inv.created + timedelta(seconds=timeout) <= now


def state_of(inv: ProjectInvitation, timeout: int) -> str:
    """The state as the invitee sees it: a Pending one past its time is Expired."""
    return EXPIRED if is_expired(inv, timeout) else inv.state


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_email(email: str) -> str:
    address = email.strip()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or len(address) > 255 or any(c.isspace() for c in address):
        raise InvalidParameter(f"{email!r} is not an email address; give one like name@example.org")
    return address


def withdraw(session: Session, caller: Caller, project: Project, email: str, why: str) -> None:
    """The mail of a new email invitation could not be sent: the invitation goes."""
    session.query(ProjectInvitation).filter(
        ProjectInvitation.pending_key == _key(project, None, None, email)
    ).delete()
    projects.event(session, caller, "PROJECT.INVITATION.REMOVE", why, project, level="ERROR")


def _key(project: Project, account: Account | None, user: User | None, email: str | None) -> str:
    if email is not None:
        return f"{project.id}:@{email.lower()}"
    assert account is not None
    return f"{project.id}:{account.id}:{user.id if user else 0}"


def _pending(session: Session, key: str) -> ProjectInvitation | None:
    return session.execute(
        select(ProjectInvitation).where(ProjectInvitation.pending_key == key)
    ).scalar()


def _check_not_member(
    session: Session, project: Project, account: Account, user: User | None
) -> None:
    if user is not None:
        project_users.check_addable(session, project, user)
        return
    projects.check_joinable(project, account)
    if projects.member_role(session, account.id, project) is not None:
        raise InvalidParameter(f"Account {account.name} is already a member of the project")


def invite(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    project: Project,
    roles: projects.MemberRoles,
    *,
    account: Account | None = None,
    user: User | None = None,
    email: str | None = None,
) -> tuple[ProjectInvitation, str | None]:
    """The pending invitation for the invitee (a new one unless one is pending) and, for a
    new email invitation, the token to mail."""
    if email is not None:  # whoever presents the mailed token joins
        email, account, user = check_email(email), None, None
        projects.check_open(project)
    elif account is not None:
        _check_not_member(session, project, account, user)
    else:
        raise InvalidParameter("Give the account (or username) to invite, or an email address")
    key = _key(project, account, user, email)
    timeout = timeout_seconds(config)
    existing = _pending(session, key)
    if existing is not None and not is_expired(existing, timeout):
        return existing, None  # as CloudStack: inviting twice keeps the first invitation
    if existing is not None:
        _finish(existing, EXPIRED)
        session.flush()
    token = secrets.token_urlsafe(24) if email is not None else None
    inv = ProjectInvitation(
        project_id=project.id,
        domain_id=project.domain_id,
        account_id=account.id if account else None,
        user_id=user.id if user else None,
        email=email,
        token_hash=hash_token(token) if token else None,
        role=roles.role,
        project_role_id=roles.project_role_id,
        pending_key=key,
    )
    try:
        with session.begin_nested():
            session.add(inv)
    except IntegrityError:  # a concurrent invite of the same invitee committed first
        found = _pending(session, key)
        assert found is not None
        return found, None
    who = user.username if user else account.name if account else email
    projects.event(session, caller, "PROJECT.INVITATION.CREATE", f"{who} invited to join", project)
    return inv, token


def _finish(inv: ProjectInvitation, state: str) -> None:
    inv.state = state
    inv.pending_key = None


def find_pending(
    session: Session,
    project: Project,
    account: Account,
    user: User | None,
    token: str | None,
) -> ProjectInvitation:
    """The invitation ``account`` (or ``user``) answers: by token, else by invitee."""
    stmt = select(ProjectInvitation).where(
        ProjectInvitation.project_id == project.id, ProjectInvitation.state == PENDING
    )
    if token is not None:
        stmt = stmt.where(ProjectInvitation.token_hash == hash_token(token))
        what = "for this token"
    else:
        ids = [0] + ([user.id] if user else [])
        stmt = stmt.where(
            ProjectInvitation.pending_key.in_([f"{project.id}:{account.id}:{i}" for i in ids])
        ).order_by(ProjectInvitation.user_id.desc())
        what = f"for account {account.name}" + (f" or user {user.username}" if user else "")
    inv = session.execute(stmt).scalars().first()
    if inv is None:
        raise InvalidParameter(
            f"No pending invitation to project {project.name} {what}; "
            "ask a project admin to invite you"
        )
    return inv


def check_answerable(inv: ProjectInvitation, config: ConfigStore) -> None:
    if is_expired(inv, timeout_seconds(config)):
        raise InvalidParameter(
            f"The invitation {inv.uuid} to the project has expired; ask a project admin to "
            "invite you again"
        )


def check_acceptable(session: Session, inv: ProjectInvitation, account: Account) -> None:
    """Whether accepting would add a new member (checked again when the job runs)."""
    project = session.get(Project, inv.project_id)
    assert project is not None
    user = session.get(User, inv.user_id) if inv.user_id else None
    _check_not_member(session, project, account, user)


def respond(
    session: Session,
    caller: Caller,
    inv: ProjectInvitation,
    account: Account,
    accept: bool,
) -> None:
    """Accept (join with the invitation's role) or decline, exactly once."""
    state = COMPLETED if accept else DECLINED
    done = session.execute(
        update(ProjectInvitation)
        .where(ProjectInvitation.id == inv.id, ProjectInvitation.state == PENDING)
        .values(state=state, pending_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        raise InvalidParameter(f"The invitation {inv.uuid} has already been answered")
    project = session.get(Project, inv.project_id)
    assert project is not None
    if accept:
        user = session.get(User, inv.user_id) if inv.user_id else None
        roles = projects.MemberRoles(inv.role, inv.project_role_id)
        if user is not None:
            project_users.add_user(session, caller, project, user, roles)
        else:
            projects.add_member(session, caller, project, account, roles)
    verb = "accepted" if accept else "declined"
    projects.event(
        session, caller, "PROJECT.INVITATION.UPDATE", f"Invitation {inv.uuid} {verb}", project
    )


def delete(session: Session, caller: Caller, inv: ProjectInvitation) -> None:
    project = session.get(Project, inv.project_id)
    assert project is not None
    projects.check_manage(session, caller, project)
    session.delete(inv)
    session.flush()
    projects.event(
        session, caller, "PROJECT.INVITATION.REMOVE", f"Invitation {inv.uuid} removed", project
    )


def expire_due(session: Session, config: ConfigStore, now: datetime | None = None) -> int:
    """Store Expired on pending invitations past ``project.invite.timeout``."""
    cutoff = (now or utcnow()) - timedelta(seconds=timeout_seconds(config))
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        update(ProjectInvitation)
        .where(ProjectInvitation.state == PENDING, ProjectInvitation.created <= cutoff)
        .values(state=EXPIRED, pending_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def sweep(rt: Runtime) -> int:
    return rt.db.run(lambda s: expire_due(s, rt.config))


periodic.register("project-invitation-expiry", lambda rt: SWEEP_SECONDS, sweep)
