"""Who may read or manage an account: itself, its domain's admins, root admins."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter, PermissionDenied


def domain_of(session: Session, account: Account) -> Domain:
    domain = session.get(Domain, account.domain_id)
    assert domain is not None
    return domain


def can_read(caller: Caller, account: Account, domain: Domain) -> bool:
    if caller.is_root_admin or account.id == caller.account_id:
        return True
    return caller.is_domain_admin and domain.path.startswith(caller.domain_path)


def can_manage(caller: Caller, account: Account, domain: Domain) -> bool:
    """Change another account: root admins; domain admins below themselves, never
    root admin accounts."""
    if caller.is_root_admin:
        return True
    return (
        caller.is_domain_admin
        and domain.path.startswith(caller.domain_path)
        and account.id != caller.account_id
        and account.type != AccountType.ADMIN
    )


def check_read(session: Session, caller: Caller, account: Account) -> Domain:
    live(account)
    domain = domain_of(session, account)
    if not can_read(caller, account, domain):
        raise PermissionDenied(
            f"Account {caller.account_name} does not have permission to access account "
            f"{account.uuid}"
        )
    return domain


def check_manage(session: Session, caller: Caller, account: Account) -> Domain:
    live(account)
    domain = domain_of(session, account)
    if not can_manage(caller, account, domain):
        raise PermissionDenied(
            f"Account {caller.account_name} does not have permission to change account "
            f"{account.uuid}"
        )
    return domain


def live(account: Account) -> None:
    if account.removed is not None:
        raise InvalidParameter(f"Account {account.uuid} has been removed")
