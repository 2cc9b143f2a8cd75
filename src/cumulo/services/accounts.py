"""Accounts: create (with the first user), update, state changes, removal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.roles import (
    ACCOUNT_TYPE_FOR_ROLE,
    BUILTIN_ROLE_IDS,
    ROLE_FOR_ACCOUNT_TYPE,
    RoleType,
)
from cumulo.db.id_lists import id_chunks, id_params
from cumulo.db.models.account import Account, AccountDetail, AccountType, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import events, limits, ownership, users
from cumulo.services.roles import check_assignable

ACCOUNT_STATES = ("enabled", "disabled", "locked")
CREATABLE_TYPES = (AccountType.USER, AccountType.ADMIN, AccountType.DOMAIN_ADMIN)

# Run before an account is removed, in the same transaction: areas that own
# resources (VMs, networks ...) register their cleanup here.
CleanupHook = Callable[[Session, Caller, Account], None]
CLEANUP_HOOKS: list[CleanupHook] = []


def resolve_role(session: Session, account_type: int | None, role: Role | None) -> tuple[int, Role]:
    """The account type and role from ``accounttype`` and/or ``roleid``."""
    if role is not None:
        if role.removed is not None or role.state != "enabled":
            raise InvalidParameter(f"Role {role.uuid} is removed or disabled")
        rt = RoleType(role.role_type)
        implied = ACCOUNT_TYPE_FOR_ROLE[rt]
        if account_type is not None and account_type != implied:
            raise InvalidParameter(
                f"accounttype {account_type} does not match the role's type {rt.value}"
            )
        return implied, role
    if account_type is None:
        raise InvalidParameter("Provide either accounttype or roleid")
    if account_type not in CREATABLE_TYPES:
        raise InvalidParameter("accounttype must be 0 (user), 1 (admin) or 2 (domain admin)")
    builtin = session.get(Role, BUILTIN_ROLE_IDS[ROLE_FOR_ACCOUNT_TYPE[account_type]])
    assert builtin is not None
    return account_type, builtin


def _check_domain(caller: Caller, domain: Domain, account_type: int) -> None:
    if domain.removed is not None or domain.state != "Active":
        raise InvalidParameter(f"Domain {domain.uuid} is not active")
    if not caller.can_see_domain_path(domain.path):
        raise PermissionDenied(f"You may not create accounts in domain {domain.uuid}")
    if account_type == AccountType.ADMIN and domain.id != Domain.ROOT_ID:
        # An Admin-role account anywhere would see the whole cloud.
        raise InvalidParameter("Root admin accounts (accounttype 1) can only be in the ROOT domain")


def _check_name_free(session: Session, domain_id: int, name: str, *, but: int = 0) -> None:
    if not name.strip():
        raise InvalidParameter("Account name must not be empty")
    taken = session.execute(
        select(Account.id).where(
            Account.domain_id == domain_id,
            Account.name == name,
            Account.removed.is_(None),
            Account.id != but,
        )
    ).first()
    if taken:
        raise InvalidParameter(f"The account {name} already exists in this domain")


@dataclass(frozen=True)
class NewAccount:
    name: str | None
    account_type: int | None
    role: Role | None
    domain: Domain | None
    network_domain: str | None = None
    details: dict[str, str] | None = None
    uuid: str | None = None


def create(session: Session, caller: Caller, new: NewAccount, first: users.NewUser) -> Account:
    account_type, role = resolve_role(session, new.account_type, new.role)
    check_assignable(caller, role)
    domain = new.domain or session.get(Domain, caller.domain_id)
    assert domain is not None
    _check_domain(caller, domain, account_type)
    name = new.name or first.username
    _check_name_free(session, domain.id, name)
    if new.uuid and session.execute(select(Account.id).where(Account.uuid == new.uuid)).first():
        raise InvalidParameter(f"An account with id {new.uuid} already exists")
    account = Account(
        name=name,
        type=account_type,
        role_id=role.id,
        domain_id=domain.id,
        network_domain=new.network_domain,
    )
    if new.uuid:
        account.uuid = new.uuid
    session.add(account)
    session.flush()
    set_details(session, account, new.details or {})
    _event(session, caller, "ACCOUNT.CREATE", f"Account {name} created", account, domain)
    users.add(session, caller, account, first)
    return account


def create_project_account(session: Session, name: str, domain: Domain) -> Account:
    account = Account(name=name, type=AccountType.PROJECT, role_id=None, domain_id=domain.id)
    session.add(account)
    session.flush()
    return account


def set_details(session: Session, account: Account, details: dict[str, str]) -> None:
    for key, value in details.items():
        row = session.execute(
            select(AccountDetail).where(
                AccountDetail.account_id == account.id, AccountDetail.name == key
            )
        ).scalar()
        if row is None:
            session.add(AccountDetail(account_id=account.id, name=key, value=value))
        else:
            row.value = value
    session.flush()


@lru_cache(maxsize=64)
def _details_statement(n: int) -> Select[Any]:
    t = AccountDetail.__table__
    return select(t.c.account_id, t.c.name, t.c.value).where(t.c.account_id.in_(id_params(n)))


def details_of(session: Session, account_ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    conn = session.connection()  # a plain SELECT: without the ORM's execute layer
    for n, values in id_chunks(account_ids):
        for account_id, name, value in conn.execute(_details_statement(n), values):
            out.setdefault(account_id, {})[name] = value
    return out


@dataclass(frozen=True)
class AccountChanges:
    new_name: str | None = None
    role: Role | None = None
    network_domain: str | None = None
    details: dict[str, str] | None = None
    api_key_access: str | None = None


def update(session: Session, caller: Caller, account: Account, ch: AccountChanges) -> Account:
    domain = ownership.check_manage(session, caller, account)
    if ch.new_name is not None and ch.new_name != account.name:
        if account.is_default:
            raise InvalidParameter(f"The default account {account.name} cannot be renamed")
        _check_name_free(session, account.domain_id, ch.new_name, but=account.id)
        account.name = ch.new_name
    if ch.role is not None and ch.role.id != account.role_id:
        _change_role(caller, account, ch.role)
    if ch.network_domain is not None:
        account.network_domain = ch.network_domain or None
    if ch.details:
        set_details(session, account, ch.details)
    if ch.api_key_access is not None:
        account.api_key_access = users.parse_api_key_access(caller, ch.api_key_access)
    session.flush()
    _event(session, caller, "ACCOUNT.UPDATE", f"Account {account.name} updated", account, domain)
    return account


def _change_role(caller: Caller, account: Account, role: Role) -> None:
    if role.removed is not None or role.state != "enabled":
        raise InvalidParameter(f"Role {role.uuid} is removed or disabled")
    check_assignable(caller, role)
    new_type = ACCOUNT_TYPE_FOR_ROLE[RoleType(role.role_type)]
    if new_type != account.type:
        # CloudStack only lets a role change keep the account's type.
        raise InvalidParameter(
            f"Role {role.name} is of type {role.role_type}; the account needs a role of the "
            f"type it already has ({ROLE_FOR_ACCOUNT_TYPE[account.type].value})"
        )
    account.role_id = role.id


def check_changeable(caller: Caller, account: Account) -> None:
    if account.is_default:
        raise PermissionDenied(f"The default account {account.name} cannot be changed so")
    if account.id == caller.account_id:
        raise PermissionDenied("You cannot disable, lock or delete your own account")
    if account.type == AccountType.PROJECT:
        raise InvalidParameter("A project's account is managed through its project")


def set_state(session: Session, caller: Caller, account: Account, state: str) -> Account:
    domain = ownership.check_manage(session, caller, account)
    if state != "enabled":
        check_changeable(caller, account)
    if account.state != state:
        account.state = state
        session.flush()
    kind = {"enabled": "ENABLE", "disabled": "DISABLE", "locked": "LOCK"}[state]
    _event(session, caller, f"ACCOUNT.{kind}", f"Account {account.name} {state}", account, domain)
    return account


def remove(session: Session, caller: Caller, account: Account) -> None:
    """Soft-delete an account, its users and keys, memberships and counts."""
    from cumulo.services import projects  # late: projects build on accounts

    domain = ownership.domain_of(session, account)
    for hook in CLEANUP_HOOKS:
        hook(session, caller, account)
    projects.forget_member(session, caller, account)
    if account.type == AccountType.PROJECT:
        projects.retire(session, account)
    for user in session.execute(
        select(User).where(User.account_id == account.id, User.removed.is_(None))
    ).scalars():
        user.mark_removed()
        user.api_key = None
        user.secret_key = None
    limits.forget_account(session, account)
    session.execute(delete(AccountDetail).where(AccountDetail.account_id == account.id))
    account.mark_removed()
    _event(session, caller, "ACCOUNT.DELETE", f"Account {account.name} deleted", account, domain)


def _event(
    session: Session, caller: Caller, kind: str, text: str, account: Account, domain: Domain
) -> None:
    events.record(
        session,
        caller,
        kind,
        text,
        resource_type="Account",
        resource_uuid=account.uuid,
        account_id=account.id,
        domain_id=domain.id,
        domain_path=domain.path,
    )
