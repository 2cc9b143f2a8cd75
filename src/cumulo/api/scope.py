"""Who sees what in list commands: ``listall``, ``isrecursive``, ``domainid``, ``account``.

A plain user sees only its own account. Admins see only their own account
unless they ask for more with ``listall``, ``domainid`` or ``account``; a domain
admin never beyond its subtree. Ownership is filtered by the owner's stored
domain path, a prefix match that needs no joins.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, select, true
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Caller
from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project
from cumulo.errors import InvalidParameter, PermissionDenied


@dataclass(frozen=True)
class ListScope:
    """A filter on owner: account ids, or a domain (exactly or with its subtree)."""

    account_ids: tuple[int, ...] | None = None
    domain_id: int | None = None
    domain_path: str | None = None  # prefix: the subtree
    # Project-owned resources show only when asked for with projectid (§5).
    skip_projects: bool = True
    # The project accounts to leave out, when list_scope looked them up (few): a
    # literal list, or no clause at all when there are none, is much cheaper per row
    # than a subquery when a listing scans 100,000 rows.
    project_accounts: tuple[int, ...] | None = None

    def where(
        self,
        account_col: SQLColumnExpression[int] | SQLColumnExpression[int | None],
        domain_id_col: SQLColumnExpression[int] | SQLColumnExpression[int | None],
        domain_path_col: SQLColumnExpression[str],
    ) -> ColumnElement[bool]:
        clauses: list[ColumnElement[bool]] = []
        if self.account_ids is not None:
            clauses.append(account_col.in_(self.account_ids))
        if self.domain_id is not None:
            clauses.append(domain_id_col == self.domain_id)
        if self.domain_path is not None and self.domain_path != "/":
            clauses.append(domain_path_col.startswith(self.domain_path, autoescape=True))
        if self.account_ids is None and self.skip_projects:
            if self.project_accounts is None:
                subquery = select(Account.id).where(Account.type == AccountType.PROJECT)
                clauses.append(account_col.not_in(subquery))
            elif self.project_accounts:
                clauses.append(account_col.not_in(self.project_accounts))
        return and_(*clauses) if clauses else true()


def check_domain_access(caller: Caller, domain: Domain) -> None:
    # A plain user reaches only its own domain, not the subtree below it.
    foreign = not caller.is_admin and domain.id != caller.domain_id
    if foreign or not caller.can_see_domain_path(domain.path):
        raise PermissionDenied(
            f"Account {caller.account_name} does not have permission to access domain {domain.uuid}"
        )


def find_account(session: Session, name: str, domain_id: int) -> Account:
    account = session.execute(
        select(Account).where(
            Account.name == name, Account.domain_id == domain_id, Account.removed.is_(None)
        )
    ).scalar()
    if account is None:
        raise InvalidParameter(f"Unable to find account {name} in the given domain")
    return account


def list_scope(
    session: Session, caller: Caller, args: Args, *, skip_projects: bool = True
) -> ListScope:
    """``skip_projects=False``: the caller's query leaves project accounts out itself."""
    domain = args.get("domainid")
    account_name = args.get("account")
    listall = bool(args.get("listall"))
    recursive = bool(args.get("isrecursive"))
    if isinstance(domain, Domain):
        check_domain_access(caller, domain)
    project = args.get("projectid")
    if project is not None:
        if account_name:
            raise InvalidParameter("account and projectid can't be specified together")
        return _project_scope(session, caller, project, listall)
    if not caller.is_admin:
        if account_name and account_name != caller.account_name:
            raise PermissionDenied(
                f"Account {caller.account_name} may not list resources of account {account_name}"
            )
        return ListScope(account_ids=(caller.account_id,))
    if account_name:
        domain_id = domain.id if isinstance(domain, Domain) else caller.domain_id
        account = find_account(session, account_name, domain_id)
        return ListScope(account_ids=(account.id,))
    project_ids = _project_accounts(session) if skip_projects else None
    if isinstance(domain, Domain):
        if recursive:
            return ListScope(domain_path=domain.path, project_accounts=project_ids)
        return ListScope(domain_id=domain.id, project_accounts=project_ids)
    if listall:
        path = None if caller.is_root_admin else caller.domain_path
        return ListScope(domain_path=path, project_accounts=project_ids)
    return ListScope(account_ids=(caller.account_id,))


LITERAL_PROJECTS = 500


def _project_accounts(session: Session) -> tuple[int, ...] | None:
    """Every project's account (removed projects keep their row), or None when too many."""
    ids = session.execute(select(Project.account_id).limit(LITERAL_PROJECTS + 1)).scalars().all()
    return tuple(ids) if len(ids) <= LITERAL_PROJECTS else None


def _project_scope(
    session: Session, caller: Caller, project: Project | str, listall: bool
) -> ListScope:
    """``projectid=<id>``: that project's resources; ``-1``: every visible project's."""
    from cumulo.services import projects  # late: services import api modules

    if isinstance(project, Project):
        projects.check_read(session, caller, project)
        return ListScope(account_ids=(project.account_id,))
    if listall and caller.is_admin:
        path = None if caller.is_root_admin else caller.domain_path
        return ListScope(domain_path=path, skip_projects=False)
    ids = projects.visible_project_account_ids(session, caller, listall=False)
    if listall:
        ids.append(caller.account_id)
    return ListScope(account_ids=tuple(ids))
