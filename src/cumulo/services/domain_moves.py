"""Moving identities: a user to another account, a domain subtree under a new parent."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, AccountType, User
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter
from cumulo.services import domain_paths, events, limits, ownership, project_users, users
from cumulo.services.configuration import ConfigStore


def _check_target(session: Session, domain: Domain, parent: Domain) -> None:
    if domain.id == Domain.ROOT_ID:
        raise InvalidParameter("The ROOT domain cannot be moved")
    for which in (domain, parent):
        if which.removed is not None or which.state != "Active":
            raise InvalidParameter(f"Domain {which.name} ({which.uuid}) is not active")
    if parent.path.startswith(domain.path):
        raise InvalidParameter(
            f"Domain {domain.name} cannot be moved under {parent.name}: the new parent is "
            "the domain itself or one of its subdomains; choose a domain outside its subtree"
        )
    if parent.id == domain.parent_id:
        raise InvalidParameter(f"Domain {domain.name} is already a subdomain of {parent.name}")
    clash = session.execute(
        select(Domain.id).where(
            Domain.parent_id == parent.id, Domain.name == domain.name, Domain.removed.is_(None)
        )
    ).first()
    if clash:
        raise InvalidParameter(
            f"Domain {parent.name} already has a subdomain named {domain.name}; rename one "
            "of them (updateDomain) before moving"
        )


def move_domain(
    session: Session, config: ConfigStore, caller: Caller, domain: Domain, parent: Domain
) -> Domain:
    """Move the domain and its subtree under ``parent``; counts follow the usage."""
    _check_target(session, domain, parent)
    old_parent_id = domain.parent_id
    assert old_parent_id is not None
    leaving = limits.domain_chain(session, old_parent_id)
    joining = limits.domain_chain(session, parent.id)
    common = {d.id for d in leaving} & {d.id for d in joining}
    usage = limits.counts(session, limits.DOMAIN, domain.id)
    limits.move_domain_usage(
        session,
        config,
        usage,
        [d for d in leaving if d.id not in common],
        [d for d in joining if d.id not in common],
    )
    old_path, new_path = domain.path, f"{parent.path}{domain.name}/"
    domain_paths.check_fits(session, old_path, new_path)
    session.execute(
        update(Domain)
        .where(Domain.path.startswith(old_path, autoescape=True))
        .values(level=Domain.level + (parent.level + 1 - domain.level))
        .execution_options(synchronize_session=False)
    )
    for parent_id, step in ((old_parent_id, -1), (parent.id, 1)):
        session.execute(
            update(Domain)
            .where(Domain.id == parent_id)
            .values(child_count=Domain.child_count + step)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Domain)
        .where(Domain.id == domain.id)
        .values(parent_id=parent.id)
        .execution_options(synchronize_session=False)
    )
    domain_paths.rewrite(session, old_path, new_path)
    moved = session.get(Domain, domain.id)
    assert moved is not None
    events.record(
        session,
        caller,
        "DOMAIN.MOVE",
        f"Domain {moved.name} moved from {old_path} to {new_path}",
        resource_type="Domain",
        resource_uuid=moved.uuid,
    )
    return moved


def new_account_for(
    session: Session, user: User, account_name: str | None, account: Account | None
) -> Account:
    """moveUser's target: ``account`` (a name in the user's domain) or ``accountid``."""
    if (account_name is None) == (account is None):
        raise InvalidParameter("Give either account or accountid (exactly one) to move the user to")
    if account is None:
        account = session.execute(
            select(Account).where(
                Account.domain_id == user.domain_id,
                Account.name == account_name,
                Account.removed.is_(None),
            )
        ).scalar()
        if account is None:
            raise InvalidParameter(
                f"No account named {account_name} in the user's domain; moving across domains "
                "is not supported"
            )
    ownership.live(account)
    if account.domain_id != user.domain_id:
        raise InvalidParameter(
            "Moving a user to an account in another domain is not supported; choose an "
            "account of the user's domain"
        )
    if account.type == AccountType.PROJECT:
        raise InvalidParameter("A user cannot be moved into a project's account")
    return account


def move_user(session: Session, caller: Caller, user: User, target: Account) -> None:
    """Move the user to ``target`` (same domain); its own project memberships end."""
    old = users.check_manage(session, caller, user)
    if user.is_default:
        raise InvalidParameter(f"User {user.username} is a default user and cannot be moved")
    if target.id == old.id:
        return  # already there: nothing to do, as CloudStack
    project_users.forget_user(session, user)
    user.account_id = target.id
    session.flush()
    events.record(
        session,
        caller,
        "USER.MOVE",
        f"User {user.username} moved from account {old.name} to {target.name}",
        resource_type="User",
        resource_uuid=user.uuid,
        account_id=target.id,
        domain_id=target.domain_id,
        domain_path=ownership.domain_of(session, target).path,
    )
