"""Who may use a network or a public IP: the owner, admins above it, and, for
shared networks with acltype Domain, every account of the domain (and below)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, literal, or_
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.scope import ListScope
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.network import Network
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services.resource_owner import Owner


def can_use_network(caller: Caller, network: Network) -> bool:
    if caller.is_root_admin or network.account_id == caller.account_id:
        return True
    if caller.is_admin and caller.can_see_domain_path(network.domain_path):
        return True
    if network.acl_type == "Domain":
        return caller.domain_path.startswith(network.domain_path)
    return False


def check_network(caller: Caller, network: Network) -> None:
    if network.removed is not None:
        raise InvalidParameter(f"Network {network.uuid} was removed")
    if not can_use_network(caller, network):
        raise PermissionDenied(
            f"Account {caller.account_name} does not have permission to use network {network.uuid}"
        )


def check_owned(caller: Caller, account_id: int, domain_path: str, what: str) -> None:
    if caller.is_root_admin or account_id == caller.account_id:
        return
    if caller.is_admin and caller.can_see_domain_path(domain_path):
        return
    raise PermissionDenied(f"Account {caller.account_name} does not have permission on {what}")


def network_owner(session: Session, network: Network) -> Owner:
    account = session.get(Account, network.account_id)
    domain = session.get(Domain, network.domain_id)
    assert account is not None and domain is not None
    return Owner(account, domain)


def visible_networks(caller: Caller, scope: ListScope) -> ColumnElement[bool]:
    """Owned networks in scope, plus Domain-wide shared networks above the caller."""
    owned = scope.where(Network.account_id, Network.domain_id, Network.domain_path)
    shared = and_(
        Network.acl_type == "Domain",
        literal(caller.domain_path).startswith(Network.domain_path),
    )
    if caller.is_admin:
        # Admins also see Domain networks below them.
        below = and_(
            Network.acl_type == "Domain",
            Network.domain_path.startswith(caller.domain_path, autoescape=True),
        )
        return or_(owned, shared, below)
    return or_(owned, shared)
