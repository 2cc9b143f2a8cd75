"""Choosing a host and a storage pool for a VM, and reserving them in one go.

The candidate query filters everything it can in SQL (zone/pod/cluster
allocation state, host status and resource state, CPU and memory headroom
with the over-provisioning factors, host tags, avoid-sets, affinity, dedicated
resources) and
returns a bounded, ranked set: least-allocated memory first. Each candidate
is then reserved with a conditional UPDATE (see ``capacity``); a candidate a
concurrent deployment just filled simply fails to reserve and the next is
tried. Cost is independent of the number of hosts beyond the one indexed scan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import Session

from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.services.configuration import ConfigStore
from cumulo.services.placement import capacity
from cumulo.services.placement.dedication import Rule, dedication_clauses

# Hosts read per attempt (the bounded window that is ranked in Python) ...
SCAN = 100
# ... and how many of the best of them are tried before giving up on this attempt.
CANDIDATES = 32
# Among the best few, pick at random so concurrent deployments spread out.
SPREAD = 4


@dataclass(frozen=True)
class Need:
    """What a VM asks of its host and pool."""

    zone_id: int
    cpu_number: int
    cpu_speed: int
    memory_mb: int
    disk_bytes: int = 0
    host_tags: tuple[str, ...] = ()
    storage_tags: tuple[str, ...] = ()
    local_storage: bool = False
    pod_id: int | None = None
    cluster_id: int | None = None
    host_id: int | None = None
    avoid_hosts: frozenset[int] = field(default_factory=frozenset)
    # Host affinity: the VM must land on one of these (None = anywhere).
    only_hosts: frozenset[int] | None = None
    # Dedicated resources (user VMs; routers use dedication.owner_clauses instead).
    dedication: Rule | None = None

    @property
    def cpu_mhz(self) -> int:
        return self.cpu_number * self.cpu_speed

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024


@dataclass(frozen=True)
class Placement:
    host_id: int
    pod_id: int | None
    cluster_id: int | None
    pool_id: int | None


def split_tags(text: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (text or "").split(",") if t.strip())


def _has_tags(
    column: SQLColumnExpression[str | None], tags: tuple[str, ...]
) -> list[ColumnElement[bool]]:
    """Every tag present in a comma-separated column (matched with commas around it)."""
    padded = "," + column + ","
    return [padded.contains("," + tag + ",", autoescape=True) for tag in tags]


def candidate_query(  # type: ignore[no-untyped-def]
    config: ConfigStore, need: Need, among: list[int] | None = None
):
    """Usable hosts with room, in id order (so SQLite/MariaDB walk the primary key and stop
    after ``SCAN`` matches instead of sorting every host of the zone); ``among``: only
    these host ids, looked up by primary key."""
    # With ``among``, the zone is compared as an expression so that no index on it
    # competes with the primary-key lookups.
    zone = Host.zone_id == need.zone_id if among is None else Host.zone_id + 0 == need.zone_id
    stmt = (
        select(Host.id, Host.pod_id, Host.cluster_id, Host.memory_allocated, Host.total_memory)
        .join(Cluster, Cluster.id == Host.cluster_id)
        .join(Pod, Pod.id == Host.pod_id)
        .where(
            zone,
            *capacity.host_usable(),
            *capacity.host_fits(config, need.cpu_mhz, need.memory_bytes),
            Host.cpus >= need.cpu_number,
            Host.speed >= need.cpu_speed,
            Cluster.allocation_state == "Enabled",
            Cluster.removed.is_(None),
            Pod.allocation_state == "Enabled",
            Pod.removed.is_(None),
            *_has_tags(Host.tags, need.host_tags),
        )
    )
    if need.pod_id is not None:
        stmt = stmt.where(Host.pod_id == need.pod_id)
    if need.cluster_id is not None:
        stmt = stmt.where(Host.cluster_id == need.cluster_id)
    if need.host_id is not None:
        stmt = stmt.where(Host.id == need.host_id)
    if among is not None:
        stmt = stmt.where(Host.id.in_(among))
    if need.avoid_hosts:
        stmt = stmt.where(Host.id.not_in(need.avoid_hosts))
    if need.only_hosts is not None:
        stmt = stmt.where(Host.id.in_(need.only_hosts))
    if need.dedication is not None:
        stmt = stmt.where(*dedication_clauses(need.dedication))
    return stmt


_ID_RANGE = select(
    select(func.min(Host.id)).scalar_subquery(), select(func.max(Host.id)).scalar_subquery()
)


def candidates(session: Session, config: ConfigStore, need: Need) -> list[tuple[int, int, int]]:
    """A bounded, ranked candidate set.

    The scan starts at a random host id and wraps around (CloudStack's default
    ``random`` allocation, and it spreads concurrent deployments); the window
    found is ranked by free memory and the best few shuffled.
    """
    if need.cluster_id is not None:
        # A cluster's few hosts, by id. With the cluster as a mere filter the
        # database walks the zone's (or status') index from the pivot and reads
        # all 25,000 hosts to find the cluster's 20 (30-40 ms on SQLite).
        in_cluster = select(Host.id).where(Host.cluster_id == need.cluster_id)
        among = list(session.execute(in_cluster).scalars())
        rows = list(session.execute(candidate_query(config, need, among).limit(SCAN)))
        return _ranked(rows)
    base = candidate_query(config, need)
    # Two subqueries: a lone min()/max() is an index lookup, both in one a full scan.
    low, high = session.execute(_ID_RANGE).one()
    pivot = random.randint(low, high) if low is not None and high is not None else 0
    rows = list(session.execute(base.where(Host.id >= pivot).order_by(Host.id).limit(SCAN)))
    if len(rows) < SCAN:
        rows += list(
            session.execute(base.where(Host.id < pivot).order_by(Host.id).limit(SCAN - len(rows)))
        )
    return _ranked(rows)


def _ranked(rows: list[Any]) -> list[tuple[int, int, int]]:
    rows.sort(key=lambda r: (r.memory_allocated / max(r.total_memory, 1), r.id))
    ranked = [(r.id, r.pod_id, r.cluster_id) for r in rows[:CANDIDATES]]
    head, tail = ranked[:SPREAD], ranked[SPREAD:]
    random.shuffle(head)
    return head + tail


def pools_for(
    session: Session, config: ConfigStore, need: Need, host_id: int, cluster_id: int | None
) -> list[int]:
    """Pools the host reaches with room for the disks, least allocated first."""
    if need.local_storage:
        scope: ColumnElement[bool] = StoragePool.host_id == host_id
    else:
        scope = or_(
            and_(StoragePool.scope == "CLUSTER", StoragePool.cluster_id == cluster_id),
            and_(StoragePool.scope == "ZONE", StoragePool.zone_id == need.zone_id),
        )
    stmt = (
        select(StoragePool.id)
        .where(
            scope,
            StoragePool.zone_id == need.zone_id,
            StoragePool.status == "Up",
            StoragePool.removed.is_(None),
            capacity.pool_fits(config, need.disk_bytes),
            *_has_tags(StoragePool.tags, need.storage_tags),
        )
        .order_by(StoragePool.allocated_bytes, StoragePool.id)
        .limit(8)
    )
    return list(session.execute(stmt).scalars())


def place(
    session: Session, config: ConfigStore, need: Need, *, with_pool: bool = True
) -> Placement | None:
    """Pick and reserve a host (and a pool for ``disk_bytes``); None if nothing fits."""
    for host_id, pod_id, cluster_id in candidates(session, config, need):
        pools: list[int] = []
        if with_pool:
            pools = pools_for(session, config, need, host_id, cluster_id)
            if not pools:
                continue
        if not capacity.reserve_host(session, config, host_id, need.cpu_mhz, need.memory_bytes):
            continue  # filled by a concurrent deployment since the query
        if not with_pool:
            return Placement(host_id, pod_id, cluster_id, None)
        for pool_id in pools:
            if capacity.reserve_pool(session, config, pool_id, need.disk_bytes):
                return Placement(host_id, pod_id, cluster_id, pool_id)
        capacity.release_host(session, host_id, need.cpu_mhz, need.memory_bytes)
    return None


def affinity(session: Session, vm_id: int) -> tuple[frozenset[int], frozenset[int] | None]:
    """(hosts to avoid, hosts allowed or None) from the VM's affinity groups."""
    mine = select(AffinityGroupVmMap.group_id).where(AffinityGroupVmMap.instance_id == vm_id)
    rows = session.execute(
        select(AffinityGroup.type, VMInstance.host_id)
        .join(AffinityGroupVmMap, AffinityGroupVmMap.group_id == AffinityGroup.id)
        .join(VMInstance, VMInstance.id == AffinityGroupVmMap.instance_id)
        .where(
            AffinityGroup.id.in_(mine),
            VMInstance.id != vm_id,
            VMInstance.removed.is_(None),
            VMInstance.host_id.is_not(None),
        )
    ).all()
    avoid: set[int] = set()
    only: set[int] | None = None
    for group_type, host_id in rows:
        assert host_id is not None  # the query keeps only VMs with a host
        if group_type == "host anti-affinity":
            avoid.add(host_id)
        elif group_type == "host affinity":
            only = (only or set()) | {host_id}
    return frozenset(avoid), (frozenset(only) if only is not None else None)
