"""Domains: create, rename, delete (with or without cleanup)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import PATH_LENGTH
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter, PermissionDenied, ResourceInUse
from cumulo.services import domain_paths, events

NAME_FORBIDDEN = "/"


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("Domain name must not be empty")
    if NAME_FORBIDDEN in name:
        raise InvalidParameter("Domain name must not contain '/'")
    return name


def _check_path(path: str) -> str:
    # The path column is indexed and so bounded (see db.base.PATH_LENGTH).
    if len(path) > PATH_LENGTH:
        raise InvalidParameter(
            f"Domain path {path} would be longer than {PATH_LENGTH} characters; "
            "choose a shorter name"
        )
    return path


def create(
    session: Session,
    caller: Caller,
    name: str,
    parent: Domain | None,
    *,
    network_domain: str | None = None,
    uuid: str | None = None,
) -> Domain:
    name = _check_name(name)
    if parent is None:
        parent = session.get(Domain, caller.domain_id)
        assert parent is not None
    if parent.removed is not None or parent.state != "Active":
        raise InvalidParameter(f"Parent domain {parent.uuid} is not active")
    if not caller.can_see_domain_path(parent.path):
        raise PermissionDenied(f"You may not create domains under domain {parent.uuid}")
    taken = session.execute(
        select(Domain.id).where(
            Domain.parent_id == parent.id, Domain.name == name, Domain.removed.is_(None)
        )
    ).first()
    if taken:
        raise InvalidParameter(
            f"Domain with name {name} already exists for the parent id={parent.uuid}"
        )
    if uuid and session.execute(select(Domain.id).where(Domain.uuid == uuid)).first():
        raise InvalidParameter(f"A domain with id {uuid} already exists")
    domain = Domain(
        name=name,
        parent_id=parent.id,
        path=_check_path(f"{parent.path}{name}/"),
        level=parent.level + 1,
        network_domain=network_domain,
    )
    if uuid:
        domain.uuid = uuid
    session.add(domain)
    session.execute(
        update(Domain).where(Domain.id == parent.id).values(child_count=Domain.child_count + 1)
    )
    session.flush()
    events.record(
        session,
        caller,
        "DOMAIN.CREATE",
        f"Domain created: {domain.path}",
        resource_type="Domain",
        resource_uuid=domain.uuid,
    )
    return domain


def rename(
    session: Session, caller: Caller, domain: Domain, name: str | None, network_domain: str | None
) -> Domain:
    if domain.removed is not None:
        raise InvalidParameter(f"Domain {domain.uuid} has been removed")
    if not caller.can_see_domain_path(domain.path):
        raise PermissionDenied(f"You may not update domain {domain.uuid}")
    if name is not None and name != domain.name:
        if domain.id == Domain.ROOT_ID:
            raise InvalidParameter("The ROOT domain cannot be renamed")
        name = _check_name(name)
        taken = session.execute(
            select(Domain.id).where(
                Domain.parent_id == domain.parent_id,
                Domain.name == name,
                Domain.removed.is_(None),
                Domain.id != domain.id,
            )
        ).first()
        if taken:
            raise InvalidParameter(f"Domain with name {name} already exists under the parent")
        old_path = domain.path
        new_path = old_path[: -len(domain.name) - 1] + name + "/"
        # The subtree's paths and the copies owned rows keep, so prefix matching holds.
        domain_paths.check_fits(session, old_path, new_path)
        domain.name = name
        session.flush()
        domain_paths.rewrite(session, old_path, new_path)
    if network_domain is not None:
        domain.network_domain = network_domain or None
    events.record(
        session,
        caller,
        "DOMAIN.UPDATE",
        f"Domain updated: {domain.path}",
        resource_type="Domain",
        resource_uuid=domain.uuid,
    )
    return domain


def check_deletable(session: Session, caller: Caller, domain: Domain, cleanup: bool) -> None:
    if domain.id == Domain.ROOT_ID:
        raise PermissionDenied("The ROOT domain cannot be deleted")
    if domain.removed is not None:
        raise InvalidParameter(f"Domain {domain.uuid} has already been removed")
    if not caller.can_see_domain_path(domain.path) or domain.path == caller.domain_path:
        raise PermissionDenied(f"You may not delete domain {domain.uuid}")
    if cleanup:
        return
    children = session.execute(
        select(func.count())
        .select_from(Domain)
        .where(Domain.parent_id == domain.id, Domain.removed.is_(None))
    ).scalar_one()
    accounts = session.execute(
        select(func.count())
        .select_from(Account)
        .where(Account.domain_id == domain.id, Account.removed.is_(None))
    ).scalar_one()
    if children or accounts:
        raise ResourceInUse(
            f"Domain {domain.name} still has {children} subdomain(s) and {accounts} "
            "account(s); delete them first or pass cleanup=true"
        )


def delete_batch(session: Session, caller: Caller, domain: Domain, limit: int) -> int:
    """Remove up to ``limit`` of the deepest live subdomains (and their accounts).

    Deepest first, so a parent never goes before its children; calling it
    until it returns 0 empties the subtree in short transactions that a
    crash can interrupt and a rerun simply continues.
    """
    batch = list(
        session.execute(
            select(Domain)
            .where(
                Domain.path.startswith(domain.path, autoescape=True),
                Domain.id != domain.id,
                Domain.removed.is_(None),
            )
            .order_by(Domain.level.desc(), Domain.id)
            .limit(limit)
        ).scalars()
    )
    if not batch:
        return 0
    from cumulo.services import accounts  # late: accounts builds on domains

    for account in session.execute(
        select(Account).where(
            Account.domain_id.in_([d.id for d in batch]), Account.removed.is_(None)
        )
    ).scalars():
        accounts.remove(session, caller, account)
    for d in batch:
        d.mark_removed()
        d.state = "Inactive"
    return len(batch)


def delete(session: Session, caller: Caller, domain: Domain, cleanup: bool) -> None:
    """Remove the domain (and with cleanup its subtree and their accounts)."""
    check_deletable(session, caller, domain, cleanup)
    subtree = list(
        session.execute(
            select(Domain)
            .where(Domain.path.startswith(domain.path, autoescape=True), Domain.removed.is_(None))
            .order_by(Domain.level.desc())
        ).scalars()
    )
    ids = [d.id for d in subtree]
    for account in session.execute(
        select(Account).where(Account.domain_id.in_(ids), Account.removed.is_(None))
    ).scalars():
        from cumulo.services import accounts  # late: accounts builds on domains

        accounts.remove(session, caller, account)
    for d in subtree:
        d.mark_removed()
        d.state = "Inactive"
    session.execute(
        update(Domain)
        .where(Domain.id == domain.parent_id)
        .values(child_count=Domain.child_count - 1)
    )
    events.record(
        session,
        caller,
        "DOMAIN.DELETE",
        f"Domain deleted: {domain.path}",
        resource_type="Domain",
        resource_uuid=domain.uuid,
    )
