"""Dedicating zones, pods, clusters and hosts to a domain or an account.

Follows CloudStack's DedicatedResourceManager:

- a resource is dedicated at most once (unique columns of ``dedicated_resources``);
- inside a dedicated parent only when the parent is dedicated to a whole domain
  and the new owner lies within that domain (a parent dedicated to an account
  is that account's alone);
- dedications below the resource must belong to the new owner: the new owner's
  own ones are folded into the new dedication, ones of sub-domains of a
  dedicated domain stay, anything else is refused;
- no other owner's VM may be running on the hosts concerned;
- the owner's ExplicitDedication affinity group (``DedicatedGrp-<account>`` or
  ``DedicatedGrp-domain-<domain>``) is created with the first dedication and
  removed with the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.scope import check_domain_access, find_account
from cumulo.db.models.account import Account
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.dedicated_resource import DedicatedResource
from cumulo.db.models.domain import Domain
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import accounts, affinity_groups, events

EXPLICIT = "ExplicitDedication"
SYSTEM_ACCOUNT_ID = 1  # owner of domain-wide groups, as in CloudStack

Resource = Zone | Pod | Cluster | Host
D = DedicatedResource


@dataclass(frozen=True)
class DedicationOwner:
    domain: Domain
    account: Account | None

    def describe(self) -> str:
        if self.account is not None:
            return f"account {self.account.name} of domain {self.domain.name}"
        return f"domain {self.domain.name}"

    def covers(self, row: DedicatedResource) -> bool:
        """Whether ``row``'s owner lies within this owner (same account, or sub-domain)."""
        if self.account is not None:
            return row.account_id == self.account.id
        return row.domain_path.startswith(self.domain.path)


def kind_of(resource: Resource) -> str:
    return {Zone: "Zone", Pod: "Pod", Cluster: "Cluster", Host: "Host"}[type(resource)]


def column_of(resource: Resource) -> ColumnElement[bool]:
    col = {Zone: D.zone_id, Pod: D.pod_id, Cluster: D.cluster_id, Host: D.host_id}[type(resource)]
    return col == resource.id


def find(session: Session, resource: Resource) -> DedicatedResource | None:
    return session.execute(select(D).where(column_of(resource))).scalar()


def resolve(
    session: Session, caller: Caller, domain: Domain, account_name: str | None
) -> DedicationOwner:
    if domain.removed is not None:
        raise InvalidParameter(f"Unable to find domain by id {domain.uuid}")
    check_domain_access(caller, domain)
    account = find_account(session, account_name, domain.id) if account_name else None
    return DedicationOwner(domain, account)


def _owner_text(session: Session, row: DedicatedResource) -> str:
    domain = session.get(Domain, row.domain_id)
    name = domain.name if domain else "?"
    if row.account_id is not None:
        account = session.get(Account, row.account_id)
        return f"account {account.name if account else '?'} of domain {name}"
    return f"domain {name}"


def _ancestors(session: Session, resource: Resource) -> list[tuple[str, DedicatedResource]]:
    """Dedications of the zone, pod and cluster that contain ``resource``."""
    parents: list[tuple[str, ColumnElement[bool]]] = []
    if not isinstance(resource, Zone):
        parents.append(("zone", D.zone_id == resource.zone_id))
    if isinstance(resource, Cluster | Host) and resource.pod_id is not None:
        parents.append(("pod", D.pod_id == resource.pod_id))
    if isinstance(resource, Host) and resource.cluster_id is not None:
        parents.append(("cluster", D.cluster_id == resource.cluster_id))
    found = []
    for label, clause in parents:
        row = session.execute(select(D).where(clause)).scalar()
        if row is not None:
            found.append((label, row))
    return found


def hosts_in(resource: Resource) -> ColumnElement[bool]:
    """Host rows inside the resource, as a filter on ``Host``."""
    if isinstance(resource, Zone):
        return Host.zone_id == resource.id
    if isinstance(resource, Pod):
        return Host.pod_id == resource.id
    if isinstance(resource, Cluster):
        return Host.cluster_id == resource.id
    return Host.id == resource.id


def _descendants(session: Session, resource: Resource) -> list[DedicatedResource]:
    """Dedications of pods, clusters and hosts inside ``resource``."""
    host_ids = select(Host.id).where(hosts_in(resource))
    clauses: list[ColumnElement[bool]] = []
    if isinstance(resource, Zone):
        clauses.append(D.pod_id.in_(select(Pod.id).where(Pod.zone_id == resource.id)))
        clauses.append(D.cluster_id.in_(select(Cluster.id).where(Cluster.zone_id == resource.id)))
    if isinstance(resource, Pod):
        clauses.append(D.cluster_id.in_(select(Cluster.id).where(Cluster.pod_id == resource.id)))
    if not isinstance(resource, Host):
        clauses.append(D.host_id.in_(host_ids))
    if not clauses:
        return []
    return list(session.execute(select(D).where(or_(*clauses)).order_by(D.id)).scalars())


def _check_parents(session: Session, resource: Resource, owner: DedicationOwner) -> None:
    for label, row in _ancestors(session, resource):
        inside = row.account_id is None and owner.domain.path.startswith(row.domain_path)
        if not inside:
            raise InvalidParameter(
                f"Cannot dedicate {kind_of(resource)} {resource.name} to {owner.describe()}: "
                f"its {label} is already dedicated to {_owner_text(session, row)}; release "
                f"that dedication first"
            )


def _fold_children(session: Session, resource: Resource, owner: DedicationOwner) -> None:
    """Refuse children dedicated elsewhere; drop those the new dedication includes."""
    for row in _descendants(session, resource):
        if not owner.covers(row):
            raise InvalidParameter(
                f"Cannot dedicate {kind_of(resource)} {resource.name} to {owner.describe()}: "
                f"resources inside it are dedicated to {_owner_text(session, row)}; release "
                f"them first"
            )
        same = row.domain_id == owner.domain.id and row.account_id == (
            owner.account.id if owner.account else None
        )
        if same:
            session.delete(row)


def _check_vms(session: Session, resource: Resource, owner: DedicationOwner) -> None:
    if owner.account is not None:
        foreign: ColumnElement[bool] = VMInstance.account_id != owner.account.id
    else:
        foreign = ~VMInstance.domain_path.startswith(owner.domain.path, autoescape=True)
    vm = session.execute(
        select(VMInstance.name, Host.name)
        .join(Host, Host.id == VMInstance.host_id)
        .where(
            hosts_in(resource),
            VMInstance.vm_type == VmType.USER,
            VMInstance.removed.is_(None),
            foreign,
        )
        .limit(1)
    ).first()
    if vm is not None:
        raise ResourceInUse(
            f"Cannot dedicate {kind_of(resource)} {resource.name} to {owner.describe()}: host "
            f"{vm[1]} is running instance {vm[0]} of another account; stop or migrate it first"
        )


def explicit_group(session: Session, caller: Caller, owner: DedicationOwner) -> AffinityGroup:
    """The owner's ExplicitDedication affinity group, created on first use."""
    G = AffinityGroup
    stmt = select(G).where(G.type == EXPLICIT, G.domain_id == owner.domain.id)
    if owner.account is not None:
        stmt = stmt.where(G.account_id == owner.account.id, G.acl_type == "Account")
        name = f"DedicatedGrp-{owner.account.name}"
    else:
        stmt = stmt.where(G.acl_type == "Domain")
        name = f"DedicatedGrp-domain-{owner.domain.name}"
    group = session.execute(stmt).scalar()
    if group is not None:
        return group
    account_id = owner.account.id if owner.account else SYSTEM_ACCOUNT_ID
    if affinity_groups.find(session, account_id, name) is not None:
        name = f"{name}-{owner.domain.uuid[:8]}"  # a same-named domain elsewhere has it
    group = G(
        name=name,
        type=EXPLICIT,
        description="dedicated resources group",
        account_id=account_id,
        domain_id=owner.domain.id,
        domain_path=owner.domain.path,
        acl_type="Account" if owner.account else "Domain",
    )
    session.add(group)
    session.flush()
    return group


def dedicate(
    session: Session, caller: Caller, resource: Resource, owner: DedicationOwner
) -> DedicatedResource:
    kind = kind_of(resource)
    if resource.removed is not None:
        raise InvalidParameter(f"Unable to find {kind.lower()} by id {resource.uuid}")
    existing = find(session, resource)
    if existing is not None:
        raise InvalidParameter(
            f"{kind} {resource.name} is already dedicated to {_owner_text(session, existing)}"
        )
    _check_parents(session, resource, owner)
    _fold_children(session, resource, owner)
    _check_vms(session, resource, owner)
    group = explicit_group(session, caller, owner)
    row = D(
        domain_id=owner.domain.id,
        domain_path=owner.domain.path,
        account_id=owner.account.id if owner.account else None,
        affinity_group_id=group.id,
    )
    setattr(row, f"{kind.lower()}_id", resource.id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # a concurrent dedication of the same resource won the race
        raise InvalidParameter(f"{kind} {resource.name} is already dedicated") from None
    _event(session, caller, "DEDICATE.RESOURCE", f"Dedicating {kind} {resource.name}", row)
    return row


def release(session: Session, caller: Caller, resource: Resource) -> None:
    kind = kind_of(resource)
    row = find(session, resource)
    if row is None:
        raise InvalidParameter(
            f"No dedicated resource available to release: {kind} {resource.name} is not dedicated"
        )
    _drop(session, caller, row, f"Releasing dedicated {kind} {resource.name}")


def forget(session: Session, caller: Caller, resource: Resource) -> None:
    """The resource is being deleted: its dedication (if any) goes with it, as in
    CloudStack, so no dedication names a removed zone, pod, cluster or host."""
    row = find(session, resource)
    if row is not None:
        text = f"Released dedicated {kind_of(resource)} {resource.name}: it was deleted"
        _drop(session, caller, row, text)


def _drop(session: Session, caller: Caller, row: DedicatedResource, text: str) -> None:
    group_id = row.affinity_group_id
    session.delete(row)
    session.flush()
    _event(session, caller, "DEDICATE.RESOURCE.RELEASE", text, row)
    left = session.execute(select(D.id).where(D.affinity_group_id == group_id).limit(1)).first()
    if left is None:  # the owner's last dedication: its group goes too
        session.execute(delete(AffinityGroupVmMap).where(AffinityGroupVmMap.group_id == group_id))
        group = session.get(AffinityGroup, group_id)
        if group is not None:
            session.delete(group)


def _event(session: Session, caller: Caller, type_: str, text: str, row: D) -> None:
    # An account's dedication is its event too; a domain's stays the admin's.
    owner = (
        {"account_id": row.account_id, "domain_id": row.domain_id, "domain_path": row.domain_path}
        if row.account_id is not None
        else {}
    )
    events.record(
        session,
        caller,
        type_,
        text,
        resource_type="DedicatedResource",
        resource_uuid=row.uuid,
        **owner,  # type: ignore[arg-type]
    )


def _forget_account(session: Session, caller: Caller, account: Account) -> None:
    """A deleted account's dedications are released, as CloudStack does."""
    groups = set(
        session.execute(select(D.affinity_group_id).where(D.account_id == account.id)).scalars()
    )
    session.execute(delete(D).where(D.account_id == account.id))
    for group_id in groups:
        session.execute(delete(AffinityGroupVmMap).where(AffinityGroupVmMap.group_id == group_id))
        session.execute(delete(AffinityGroup).where(AffinityGroup.id == group_id))


accounts.CLEANUP_HOOKS.append(_forget_account)


@affinity_groups.register_usage_check
def _dedicated_with(session: Session, group: AffinityGroup) -> str | None:
    if group.type != EXPLICIT:
        return None
    used = session.execute(select(D.id).where(D.affinity_group_id == group.id).limit(1)).first()
    return "dedicated resources; release them with releaseDedicated*" if used else None
