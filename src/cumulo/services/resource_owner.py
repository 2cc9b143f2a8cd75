"""Whose resource is being created: the ``account``/``domainid``/``projectid`` trio.

Follows CloudStack's ``finalizeOwner``: by default the caller's account; an
admin may name another account (``account`` + ``domainid``, the domain
defaulting to the caller's) inside its reach; a plain user only itself.
``projectid`` arrives as a Project row whose membership dispatch already
checked (``api.dispatch.check_project``); its resources belong to the
project's own account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.scope import check_domain_access, find_account
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project
from cumulo.errors import InvalidParameter, PermissionDenied


@dataclass(frozen=True)
class Owner:
    account: Account
    domain: Domain

    @property
    def account_id(self) -> int:
        return self.account.id

    @property
    def domain_id(self) -> int:
        return self.domain.id

    @property
    def domain_path(self) -> str:
        return self.domain.path


def _project_account(session: Session, project: Project | str) -> Account:
    if isinstance(project, str):  # "-1" (every project) names no owner
        raise InvalidParameter(f"Unable to find project by id {project}")
    account = session.get(Account, project.account_id)
    if account is None or project.removed is not None:
        raise InvalidParameter(f"Unable to find project by id {project.uuid}")
    return account


def resolve_owner(
    session: Session,
    caller: Caller,
    account_name: str | None,
    domain: Domain | None,
    project_id: Project | str | None = None,
) -> Owner:
    if project_id is not None:
        if account_name:
            raise InvalidParameter("account and projectid can't be specified together")
        account = _project_account(session, project_id)
    elif account_name:
        target = domain or session.get(Domain, caller.domain_id)
        assert target is not None
        if target.removed is not None:
            raise InvalidParameter(f"Unable to find domain by id {target.uuid}")
        account = find_account(session, account_name, target.id)
        if account.id != caller.account_id:
            if not caller.is_admin:
                raise PermissionDenied(
                    f"Account {caller.account_name} may not act for account {account_name}"
                )
            check_domain_access(caller, target)
    elif domain is not None and domain.id != caller.domain_id:
        raise InvalidParameter("domainid must be given together with account")
    else:
        account = session.get(Account, caller.account_id)  # type: ignore[assignment]
    owner_domain = session.get(Domain, account.domain_id)
    assert owner_domain is not None
    return Owner(account, owner_domain)


def same_owner(row: Any) -> dict[str, Any]:
    """The owner columns of ``row``, for a resource made from it (a snapshot of a volume)."""
    return {
        "account_id": row.account_id,
        "domain_id": row.domain_id,
        "domain_path": row.domain_path,
        "project_id": row.project_id,
    }
