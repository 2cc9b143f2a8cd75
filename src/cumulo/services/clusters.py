"""Compute clusters: add, update, delete."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster, ClusterDetail
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import dedication, events
from cumulo.services.infra_common import allocation_state, choice, drop_details, exists, live

CLUSTER_TYPES = ("CloudManaged", "ExternalManaged")
MANAGED_STATES = ("Managed", "Unmanaged")
# Overcommit ratios a new cluster starts with (CloudStack's cluster details).
DEFAULT_DETAILS = {"cpuOvercommitRatio": "1.0", "memoryOvercommitRatio": "1.0"}


def hypervisor_name(value: str) -> str:
    name = registry.canonical(value)
    if name is None:
        raise InvalidParameter(
            f"Hypervisor type {value!r} is not supported; "
            f"supported: {', '.join(registry.supported())}"
        )
    return name


def add(
    session: Session,
    caller: Caller,
    zone: Zone,
    pod: Pod,
    name: str,
    *,
    cluster_type: str,
    hypervisor: str,
    allocation: str | None,
    arch: str | None,
) -> Cluster:
    live(zone, "zone")
    live(pod, "pod")
    if pod.zone_id != zone.id:
        raise InvalidParameter(f"Pod {pod.name} does not belong to zone {zone.name}")
    name = name.strip()
    if not name:
        raise InvalidParameter("Cluster name must not be empty")
    taken = select(Cluster.id).where(
        Cluster.pod_id == pod.id, Cluster.name == name, Cluster.removed.is_(None)
    )
    if exists(session, taken):
        raise InvalidParameter(f"A cluster with name {name} already exists in pod {pod.name}")
    cluster = Cluster(
        zone_id=zone.id,
        pod_id=pod.id,
        name=name,
        hypervisor=hypervisor_name(hypervisor),
        cluster_type=choice(cluster_type, CLUSTER_TYPES, "cluster type"),
        allocation_state=allocation_state(allocation, "Enabled"),
        arch=arch or "x86_64",
    )
    session.add(cluster)
    session.flush()
    for key, value in DEFAULT_DETAILS.items():
        session.add(ClusterDetail(cluster_id=cluster.id, name=key, value=value))
    events.record(
        session,
        caller,
        "CLUSTER.CREATE",
        f"Cluster {name} created",
        resource_type="Cluster",
        resource_uuid=cluster.uuid,
    )
    return cluster


def update(
    session: Session,
    caller: Caller,
    cluster: Cluster,
    *,
    name: str | None,
    allocation: str | None,
    managed_state: str | None,
    cluster_type: str | None,
    hypervisor: str | None,
    arch: str | None,
) -> Cluster:
    live(cluster, "cluster")
    if hypervisor is not None and hypervisor_name(hypervisor) != cluster.hypervisor:
        raise InvalidParameter("The hypervisor type of a cluster cannot be changed")
    if name is not None and name.strip() != cluster.name:
        taken = select(Cluster.id).where(
            Cluster.pod_id == cluster.pod_id,
            Cluster.name == name.strip(),
            Cluster.removed.is_(None),
        )
        if exists(session, taken):
            raise InvalidParameter(f"A cluster with name {name} already exists in this pod")
        cluster.name = name.strip()
    if allocation is not None:
        cluster.allocation_state = allocation_state(allocation)  # type: ignore[assignment]
    if managed_state is not None:
        cluster.managed_state = choice(managed_state, MANAGED_STATES, "managed state")
    if cluster_type is not None:
        cluster.cluster_type = choice(cluster_type, CLUSTER_TYPES, "cluster type")
    if arch is not None:
        cluster.arch = arch
    session.flush()
    events.record(
        session,
        caller,
        "CLUSTER.EDIT",
        f"Cluster {cluster.name} updated",
        resource_type="Cluster",
        resource_uuid=cluster.uuid,
    )
    return cluster


def delete(session: Session, caller: Caller, cluster: Cluster) -> None:
    live(cluster, "cluster")
    if exists(
        session, select(Host.id).where(Host.cluster_id == cluster.id, Host.removed.is_(None))
    ):
        raise ResourceInUse(
            f"Cluster {cluster.name} still has hosts; delete them before the cluster"
        )
    pools = select(StoragePool.id).where(
        StoragePool.cluster_id == cluster.id, StoragePool.removed.is_(None)
    )
    if exists(session, pools):
        raise ResourceInUse(
            f"Cluster {cluster.name} still has primary storage pools; delete them first"
        )
    dedication.forget(session, caller, cluster)
    drop_details(session, ClusterDetail, "cluster_id", cluster.id)
    cluster.mark_removed()
    events.record(
        session,
        caller,
        "CLUSTER.DELETE",
        f"Cluster {cluster.name} deleted",
        resource_type="Cluster",
        resource_uuid=cluster.uuid,
    )


def overcommit(session: Session, cluster_ids: list[int]) -> dict[int, tuple[float, float]]:
    """``{cluster id: (cpu ratio, memory ratio)}``."""
    out = {cid: (1.0, 1.0) for cid in cluster_ids}
    if not cluster_ids:
        return out
    rows = session.execute(
        select(ClusterDetail.cluster_id, ClusterDetail.name, ClusterDetail.value).where(
            ClusterDetail.cluster_id.in_(cluster_ids),
            ClusterDetail.name.in_(("cpuOvercommitRatio", "memoryOvercommitRatio")),
        )
    )
    for cid, name, value in rows:
        cpu, mem = out[cid]
        try:
            ratio = float(value)
        except ValueError:
            continue
        out[cid] = (ratio, mem) if name == "cpuOvercommitRatio" else (cpu, ratio)
    return out
