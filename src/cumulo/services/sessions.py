"""Password login and the sessions it opens."""

from __future__ import annotations

import secrets as pysecrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import User
from cumulo.db.models.domain import Domain
from cumulo.db.models.system import UserSession
from cumulo.errors import AuthenticationFailed, InvalidParameter, Unauthenticated
from cumulo.services.apikeys import new_session_key
from cumulo.services.callers import caller_for_user, is_active
from cumulo.services.passwords import verify_password

MAX_FAILED_LOGINS = 5


class BadCredentials(AuthenticationFailed):
    """Wrong password for an existing user; the attempt is counted separately."""

    def __init__(self, message: str, user_id: int | None) -> None:
        super().__init__(message)
        self.user_id = user_id


@dataclass(frozen=True)
class LoginSession:
    caller: Caller
    user: User
    session_id: str
    session_key: str
    timeout_seconds: int


def find_login_domain(session: Session, domain: str | None, domain_id: str | None) -> Domain:
    """``domainid`` (UUID or numeric id) wins over ``domain`` (a path, ROOT by default)."""
    if domain_id:
        column = Domain.id if domain_id.isdigit() else Domain.uuid
        value: object = int(domain_id) if domain_id.isdigit() else domain_id
        found = session.execute(
            select(Domain).where(column == value, Domain.removed.is_(None))
        ).scalar()
        if found is None:
            raise Unauthenticated("Unable to find the domain with the given id")
        return found
    path = (domain or "/").strip()
    if path.upper() in ("ROOT", "/ROOT", "/ROOT/"):
        path = "/"
    if path.upper().startswith("ROOT/"):
        path = path[4:]
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    found = session.execute(
        select(Domain).where(Domain.path == path, Domain.removed.is_(None))
    ).scalar()
    if found is None:
        raise AuthenticationFailed(f"Unable to find the domain from the path {path}")
    return found


def login(
    session: Session, username: str, password: str, domain: Domain, timeout_minutes: int
) -> LoginSession:
    user = session.execute(
        select(User).where(
            User.username == username, User.domain_id == domain.id, User.removed.is_(None)
        )
    ).scalar()
    text = (
        f"Failed to authenticate user {username} in domain {domain.id}; "
        "please provide valid credentials"
    )
    if user is None or user.source != "native":
        raise BadCredentials(text, None)
    if not verify_password(user.password, password):
        raise BadCredentials(text, user.id)
    found = caller_for_user(session, user.id)
    if found is None or not is_active(found[1], found[2]):
        raise AuthenticationFailed(
            f"User {username} in domain {domain.name} is disabled or locked; "
            "ask an administrator to enable the user and its account"
        )
    user.login_attempts = 0
    now = datetime.now(UTC)
    row = UserSession(
        session_id=pysecrets.token_hex(16).upper(),
        session_key=new_session_key(),
        user_id=user.id,
        last_access=now,
        expires=now + timedelta(minutes=timeout_minutes),
    )
    session.add(row)
    return LoginSession(found[0], user, row.session_id, row.session_key, timeout_minutes * 60)


def record_failed_login(session: Session, user_id: int, allowed: int = MAX_FAILED_LOGINS) -> None:
    """Count a failed attempt; ``allowed`` in a row disable the user, as CloudStack does."""
    user = session.get(User, user_id)
    if user is None:
        return
    user.login_attempts += 1
    if user.login_attempts >= allowed and user.state == "enabled":
        user.state = "disabled"


def logout(session: Session, session_id: str | None) -> None:
    if not session_id:
        raise InvalidParameter("Session not found for the logout process.")
    res = session.execute(delete(UserSession).where(UserSession.session_id == session_id))
    if res.rowcount == 0:  # type: ignore[attr-defined]
        raise InvalidParameter("Session not found for the logout process.")
