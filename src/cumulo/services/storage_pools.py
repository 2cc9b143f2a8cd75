"""Primary storage pools: create (attach through the driver), update, delete, maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool, StoragePoolDetail
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.drivers.base import DriverError, PoolSpec
from cumulo.errors import InvalidParameter, ResourceUnavailable
from cumulo.services import events
from cumulo.services.clusters import hypervisor_name
from cumulo.services.infra_common import choice, drop_details, exists, live, save_details
from cumulo.services.states import storage_pool as states

SCOPES = ("CLUSTER", "ZONE", "HOST")
POOL_TYPES = {
    "nfs": "NetworkFilesystem",
    "file": "Filesystem",
    "sharedmountpoint": "SharedMountPoint",
}


@dataclass(frozen=True)
class NewPool:
    name: str
    url: str
    scope: str | None
    pod: Pod | None
    cluster: Cluster | None
    hypervisor: str | None
    tags: str | None
    provider: str | None
    managed: bool
    capacity_bytes: int | None
    capacity_iops: int | None
    details: dict[str, str]


def _parse_url(url: str) -> tuple[str, str, str, int]:
    parts = urlsplit(url.strip())
    pool_type = POOL_TYPES.get(parts.scheme.lower())
    if pool_type is None or (pool_type == "NetworkFilesystem" and not parts.hostname):
        raise InvalidParameter(
            f"Unsupported storage URL {url!r}; use nfs://<server>/<path>, "
            "file://<host>/<path> or sharedmountpoint://<host>/<path>"
        )
    if not parts.path or parts.path == "/":
        raise InvalidParameter(f"Storage URL {url!r} has no path")
    return (
        pool_type,
        parts.hostname or "",
        parts.path,
        parts.port or (2049 if pool_type == "NetworkFilesystem" else 0),
    )


def _placement(zone: Zone, new: NewPool) -> tuple[str, Pod | None, Cluster | None, str | None]:
    scope = (
        choice(new.scope, SCOPES, "scope") if new.scope else ("CLUSTER" if new.cluster else "ZONE")
    )
    if scope == "HOST":
        raise InvalidParameter("Host-scoped (local) pools are created with the host, not here")
    if scope == "CLUSTER":
        if new.cluster is None:
            raise InvalidParameter("A cluster-wide storage pool needs clusterid (and podid)")
        cluster = live(new.cluster, "cluster")
        if cluster.zone_id != zone.id or (new.pod and cluster.pod_id != new.pod.id):
            raise InvalidParameter(f"Cluster {cluster.name} is not in the given zone and pod")
        return scope, new.pod, cluster, cluster.hypervisor
    if new.hypervisor is None:
        raise InvalidParameter("A zone-wide storage pool needs the hypervisor parameter")
    return scope, None, None, hypervisor_name(new.hypervisor)


def create(session: Session, caller: Caller, zone: Zone, new: NewPool) -> StoragePool:
    live(zone, "zone")
    pool_type, address, path, port = _parse_url(new.url)
    scope, pod, cluster, hypervisor = _placement(zone, new)
    taken = select(StoragePool.id).where(
        StoragePool.zone_id == zone.id, StoragePool.name == new.name, StoragePool.removed.is_(None)
    )
    if exists(session, taken):
        raise InvalidParameter(f"A storage pool named {new.name} already exists in this zone")
    pool = StoragePool(
        name=new.name,
        zone_id=zone.id,
        pod_id=pod.id if pod else (cluster.pod_id if cluster else None),
        cluster_id=cluster.id if cluster else None,
        scope=scope,
        pool_type=pool_type,
        url=new.url,
        host_address=address,
        path=path,
        port=port,
        provider=new.provider or "DefaultPrimary",
        hypervisor=hypervisor,
        tags=new.tags,
        managed=new.managed,
        capacity_iops=new.capacity_iops,
        status=states.UP,
    )
    session.add(pool)
    session.flush()
    _attach(session, pool, new.capacity_bytes or 0)
    if new.details:
        save_details(session, StoragePoolDetail, "pool_id", pool.id, new.details)
    events.record(
        session,
        caller,
        "STORAGE.POOL.CREATE",
        f"Storage pool {pool.name} created",
        resource_type="StoragePool",
        resource_uuid=pool.uuid,
    )
    return pool


def _attach(session: Session, pool: StoragePool, capacity: int) -> None:
    """Mount the pool on the hosts that can reach it; the storage reports its size.

    Mounting is idempotent, so repeating it when the transaction is retried is
    harmless.
    """
    hosts = (
        session.execute(
            select(Host).where(
                Host.zone_id == pool.zone_id,
                Host.removed.is_(None),
                Host.type == "Routing",
                *([Host.cluster_id == pool.cluster_id] if pool.cluster_id else []),
            )
        )
        .scalars()
        .all()
    )
    spec = PoolSpec(pool.uuid, pool.url, pool.pool_type, capacity)
    driver = registry.driver_for(pool.hypervisor or "Simulator")
    try:
        stats = None
        for host in hosts:
            stats = driver.attach_pool(host.guid, spec)
        if stats is None:
            stats = driver.attach_pool("", spec)
    except DriverError as exc:
        raise ResourceUnavailable(f"Could not mount storage pool {pool.name}: {exc}") from None
    pool.capacity_bytes, pool.used_bytes = stats.capacity_bytes, stats.used_bytes


def update(
    session: Session,
    caller: Caller,
    pool: StoragePool,
    *,
    name: str | None,
    tags: list[str] | None,
    capacity_bytes: int | None,
    capacity_iops: int | None,
    enabled: bool | None,
    details: dict[str, str],
    url: str | None,
) -> StoragePool:
    live(pool, "storage pool")
    if name is not None:
        pool.name = name.strip() or pool.name
    if tags is not None:
        pool.tags = ",".join(t.strip() for t in tags if t.strip()) or None
    if capacity_bytes is not None:
        if capacity_bytes < pool.used_bytes:
            raise InvalidParameter("capacitybytes cannot be lower than what the pool already uses")
        pool.capacity_bytes = capacity_bytes
    if capacity_iops is not None:
        pool.capacity_iops = capacity_iops
    if enabled is not None:
        states.STATUS.apply(session, pool, "enable" if enabled else "disable")
    if url is not None:
        _parse_url(url)
        pool.url = url
    if details:
        save_details(session, StoragePoolDetail, "pool_id", pool.id, details)
    session.flush()
    events.record(
        session,
        caller,
        "STORAGE.POOL.UPDATE",
        f"Storage pool {pool.name} updated",
        resource_type="StoragePool",
        resource_uuid=pool.uuid,
    )
    return pool


def volumes_on(session: Session, pool: StoragePool) -> int:
    """Volumes placed on the pool. Hook: the volume services count their rows here."""
    return 0


def delete(session: Session, caller: Caller, pool: StoragePool, forced: bool) -> None:
    from cumulo.errors import ResourceInUse

    live(pool, "storage pool")
    if volumes_on(session, pool) and not forced:
        raise ResourceInUse(f"Storage pool {pool.name} still holds volumes; delete them first")
    drop_details(session, StoragePoolDetail, "pool_id", pool.id)
    pool.mark_removed()
    events.record(
        session,
        caller,
        "STORAGE.POOL.DELETE",
        f"Storage pool {pool.name} deleted",
        resource_type="StoragePool",
        resource_uuid=pool.uuid,
    )


def check_can_maintain(pool: StoragePool) -> None:
    live(pool, "storage pool")
    if not states.STATUS.allowed("ask_maintenance", pool.status):
        raise InvalidParameter(
            f"Storage pool {pool.name} is {pool.status}; it cannot enter maintenance"
        )


def check_can_cancel(pool: StoragePool) -> None:
    live(pool, "storage pool")
    if not states.STATUS.allowed("cancel_maintenance", pool.status):
        raise InvalidParameter(f"Storage pool {pool.name} is not in maintenance ({pool.status})")


def evacuate(session: Session, pool: StoragePool) -> list[str]:
    """Hook: stop or migrate the VMs using the pool; returns what could not be moved."""
    return []
