"""Turning a user row into the Caller every command runs as."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.roles import ROLE_FOR_ACCOUNT_TYPE, RoleType
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role

_COLUMNS = (User, Account, Domain, Role.role_type)


def _query():  # type: ignore[no-untyped-def]
    return (
        select(*_COLUMNS)
        .join(Account, Account.id == User.account_id)
        .join(Domain, Domain.id == Account.domain_id)
        .outerjoin(Role, Role.id == Account.role_id)
    )


def _caller(user: User, account: Account, domain: Domain, role_type: str | None) -> Caller:
    rt = (
        RoleType(role_type) if role_type else ROLE_FOR_ACCOUNT_TYPE.get(account.type, RoleType.USER)
    )
    return Caller(
        user_id=user.id,
        user_uuid=user.uuid,
        username=user.username,
        account_id=account.id,
        account_uuid=account.uuid,
        account_name=account.name,
        account_type=account.type,
        domain_id=domain.id,
        domain_uuid=domain.uuid,
        domain_path=domain.path,
        role_id=account.role_id,
        role_type=rt,
    )


def find_by_api_key(session: Session, api_key: str) -> tuple[Caller, User, Account] | None:
    row = session.execute(_query().where(User.api_key == api_key, User.removed.is_(None))).first()
    if row is None:
        return None
    user, account, domain, role_type = row
    return _caller(user, account, domain, role_type), user, account


def caller_for_user(session: Session, user_id: int) -> tuple[Caller, User, Account] | None:
    row = session.execute(_query().where(User.id == user_id)).first()
    if row is None:
        return None
    user, account, domain, role_type = row
    return _caller(user, account, domain, role_type), user, account


def is_active(user: User, account: Account) -> bool:
    return (
        user.removed is None
        and account.removed is None
        and user.state == "enabled"
        and account.state == "enabled"
    )
