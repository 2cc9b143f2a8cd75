"""Users: create, update (password, keys), state changes, removal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, User
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import events, ownership, project_users
from cumulo.services.passwords import hash_password, verify_password
from cumulo.services.secrets import SecretBox

USER_STATES = ("enabled", "disabled", "locked")
API_KEY_ACCESS = {"enabled": True, "disabled": False, "inherit": None}


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    email: str
    firstname: str
    lastname: str
    timezone: str | None = None
    uuid: str | None = None


def check_password(password: str) -> None:
    if not password or not password.strip():
        raise InvalidParameter("Password must not be empty")


def _check_username_free(session: Session, domain_id: int, username: str, *, but: int = 0) -> None:
    if not username.strip():
        raise InvalidParameter("Username must not be empty")
    taken = session.execute(
        select(User.id).where(
            User.domain_id == domain_id,
            User.username == username,
            User.removed.is_(None),
            User.id != but,
        )
    ).first()
    if taken:
        raise InvalidParameter(
            f"The user {username} already exists in this domain; choose another username"
        )


def _check_uuid_free(session: Session, uuid: str | None) -> None:
    if uuid and session.execute(select(User.id).where(User.uuid == uuid)).first():
        raise InvalidParameter(f"A user with id {uuid} already exists")


def add(session: Session, caller: Caller, account: Account, new: NewUser) -> User:
    """Add a user to an account the caller may manage (checked by the caller)."""
    check_password(new.password)
    _check_username_free(session, account.domain_id, new.username)
    _check_uuid_free(session, new.uuid)
    user = User(
        username=new.username,
        password=hash_password(new.password),
        email=new.email,
        firstname=new.firstname,
        lastname=new.lastname,
        timezone=new.timezone,
        account_id=account.id,
        domain_id=account.domain_id,
    )
    if new.uuid:
        user.uuid = new.uuid
    session.add(user)
    session.flush()
    _event(session, caller, "USER.CREATE", f"User {user.username} created", user, account)
    return user


def check_manage(session: Session, caller: Caller, user: User) -> Account:
    """The caller is this user, or may manage its account."""
    if user.removed is not None:
        raise InvalidParameter(f"User {user.uuid} has been removed")
    account = session.get(Account, user.account_id)
    assert account is not None
    if user.id == caller.user_id:
        return account
    domain = ownership.domain_of(session, account)
    if caller.is_root_admin or ownership.can_manage(caller, account, domain):
        return account
    raise PermissionDenied(
        f"Account {caller.account_name} does not have permission to change user {user.uuid}"
    )


def check_changeable_by_other(caller: Caller, user: User) -> None:
    """Default users (admin, system) and the caller itself cannot be disabled or deleted."""
    if user.is_default:
        raise PermissionDenied(f"User {user.username} is a default user and cannot be changed so")
    if user.id == caller.user_id:
        raise PermissionDenied("You cannot disable, lock or delete your own user")


@dataclass(frozen=True)
class UserChanges:
    username: str | None = None
    password: str | None = None
    current_password: str | None = None
    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    timezone: str | None = None
    api_key: str | None = None
    secret_key: str | None = None
    api_key_access: str | None = None


def update(
    session: Session, caller: Caller, user: User, ch: UserChanges, secrets: SecretBox
) -> User:
    account = check_manage(session, caller, user)
    if ch.username is not None and ch.username != user.username:
        _check_username_free(session, user.domain_id, ch.username, but=user.id)
        user.username = ch.username
    if ch.password is not None:
        _change_password(caller, user, ch.password, ch.current_password)
    for attr in ("email", "firstname", "lastname", "timezone"):
        value = getattr(ch, attr)
        if value is not None:
            setattr(user, attr, value)
    if (ch.api_key is None) != (ch.secret_key is None):
        raise InvalidParameter("Provide both userapikey and usersecretkey, or neither")
    if ch.api_key is not None and ch.secret_key is not None:
        taken = session.execute(
            select(User.id).where(User.api_key == ch.api_key, User.id != user.id)
        ).first()
        if taken:
            raise InvalidParameter("The API key is already in use; choose another one")
        user.api_key = ch.api_key
        user.secret_key = secrets.seal(ch.secret_key)
    if ch.api_key_access is not None:
        user.api_key_access = parse_api_key_access(caller, ch.api_key_access)
    session.flush()
    _event(session, caller, "USER.UPDATE", f"User {user.username} updated", user, account)
    return user


def parse_api_key_access(caller: Caller, value: str) -> bool | None:
    if not caller.is_admin:
        raise PermissionDenied("Only administrators may change apikeyaccess")
    key = value.strip().lower()
    if key not in API_KEY_ACCESS:
        raise InvalidParameter("apikeyaccess must be one of Enabled, Disabled, Inherit")
    return API_KEY_ACCESS[key]


def _change_password(caller: Caller, user: User, password: str, current: str | None) -> None:
    check_password(password)
    if user.source != "native":
        raise InvalidParameter(f"The password of a {user.source} user is managed elsewhere")
    # Admins may reset others' passwords; everyone proves the old one for their own
    # unless they are an admin (CloudStack lets admins reset without it).
    if not caller.is_admin:
        if not current:
            raise InvalidParameter("Provide currentpassword to change your password")
        if not verify_password(user.password, current):
            raise InvalidParameter("The current password is incorrect")
    user.password = hash_password(password)


def set_state(session: Session, caller: Caller, user: User, state: str) -> User:
    account = check_manage(session, caller, user)
    if state != "enabled":
        check_changeable_by_other(caller, user)
    if user.state == state:
        return user
    user.state = state
    if state == "enabled":
        user.login_attempts = 0
    kind = {"enabled": "ENABLE", "disabled": "DISABLE", "locked": "LOCK"}[state]
    session.flush()
    _event(session, caller, f"USER.{kind}", f"User {user.username} {state}", user, account)
    return user


def remove(session: Session, caller: Caller, user: User) -> None:
    account = check_manage(session, caller, user)
    check_changeable_by_other(caller, user)
    project_users.forget_user(session, user)
    user.mark_removed()
    user.api_key = None
    user.secret_key = None
    session.flush()
    _event(session, caller, "USER.DELETE", f"User {user.username} deleted", user, account)


def _event(
    session: Session, caller: Caller, kind: str, text: str, user: User, account: Account
) -> None:
    events.record(
        session,
        caller,
        kind,
        text,
        resource_type="User",
        resource_uuid=user.uuid,
        account_id=account.id,
        domain_id=account.domain_id,
        domain_path=ownership.domain_of(session, account).path,
    )
