"""Hosts: add (discover through the driver), update, delete, maintenance.

addHost only records the host as Connecting and owned by this node; the
owner's host monitor (``services.host_monitor``) connects it and moves it Up.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.database import db_now
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.drivers.base import DriverError, HostInfo, HostSpec
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import dedication, events, pods
from cumulo.services.clusters import hypervisor_name
from cumulo.services.infra_common import allocation_state, exists, live
from cumulo.services.secrets import SecretBox
from cumulo.services.states import host as states


@dataclass(frozen=True)
class NewHost:
    url: str
    hypervisor: str
    cluster: Cluster | None
    cluster_name: str | None
    username: str | None
    password: str | None
    tags: list[str] | None
    allocation: str | None


@dataclass(frozen=True)
class Owner:
    """The node adding a host becomes its first owner."""

    msid: int | None
    lease_seconds: float
    secrets: SecretBox


def _cluster_for(session: Session, zone: Zone, pod: Pod, new: NewHost, hv: str) -> Cluster:
    cluster = new.cluster
    if cluster is None and new.cluster_name:
        cluster = session.execute(
            select(Cluster).where(
                Cluster.pod_id == pod.id,
                Cluster.name == new.cluster_name,
                Cluster.removed.is_(None),
            )
        ).scalar_one_or_none()
    if cluster is None:
        raise InvalidParameter(
            f"A {hv} host needs a cluster: give clusterid (or the clustername of a cluster "
            f"in pod {pod.name})"
        )
    live(cluster, "cluster")
    if cluster.pod_id != pod.id or cluster.zone_id != zone.id:
        raise InvalidParameter(f"Cluster {cluster.name} is not in pod {pod.name}")
    if cluster.hypervisor != hv:
        raise InvalidParameter(
            f"Cluster {cluster.name} is a {cluster.hypervisor} cluster; it cannot take a {hv} host"
        )
    return cluster


def add(session: Session, caller: Caller, zone: Zone, pod: Pod, new: NewHost, owner: Owner) -> Host:
    live(zone, "zone")
    live(pod, "pod")
    if pod.zone_id != zone.id:
        raise InvalidParameter(f"Pod {pod.name} does not belong to zone {zone.name}")
    hv = hypervisor_name(new.hypervisor)
    cluster = _cluster_for(session, zone, pod, new, hv)
    same_url = select(Host.id).where(
        Host.cluster_id == cluster.id, Host.url == new.url, Host.removed.is_(None)
    )
    if exists(session, same_url):
        raise InvalidParameter(f"A host with url {new.url} is already in cluster {cluster.name}")
    try:
        info = registry.driver_for(hv).discover(new.url, new.username, new.password)
    except DriverError as exc:
        raise InvalidParameter(f"Unable to add the host: {exc}") from None
    host = _insert(session, zone, pod, cluster, new, info, owner)
    if info.local_storage and zone.local_storage_enabled:
        _add_local_pool(session, host, info)
    events.record(
        session,
        caller,
        "HOST.CREATE",
        f"Host {host.name} added ({new.url})",
        resource_type="Host",
        resource_uuid=host.uuid,
    )
    return host


def _insert(
    session: Session,
    zone: Zone,
    pod: Pod,
    cluster: Cluster,
    new: NewHost,
    info: HostInfo,
    owner: Owner,
) -> Host:
    sealed = owner.secrets.seal(new.password) if new.password else None
    host = Host(
        name=info.name,
        type="Routing",
        status=states.CONNECTING,
        resource_state=allocation_state(new.allocation, "Enabled"),
        hypervisor=cluster.hypervisor,
        hypervisor_version=info.hypervisor_version,
        zone_id=zone.id,
        pod_id=pod.id,
        cluster_id=cluster.id,
        guid=info.guid,
        url=new.url,
        username=new.username,
        password=base64.b64encode(sealed).decode() if sealed else None,
        private_ip=pods.allocate_private_ip(session, pod),
        private_netmask=pod.netmask,
        arch=info.arch,
        cpu_sockets=info.cpu_sockets,
        cpus=info.cpus,
        speed=info.speed,
        total_memory=info.memory,
        local_storage=info.local_storage,
        tags=",".join(t.strip() for t in new.tags if t.strip()) if new.tags else None,
        version=info.hypervisor_version,
        mgmt_server_msid=owner.msid,
        lease_expires=db_now(session) + timedelta(seconds=owner.lease_seconds),
    )
    session.add(host)
    session.flush()
    return host


def _add_local_pool(session: Session, host: Host, info: HostInfo) -> None:
    session.add(
        StoragePool(
            name=f"{host.name} Local Storage",
            zone_id=host.zone_id,
            pod_id=host.pod_id,
            cluster_id=host.cluster_id,
            host_id=host.id,
            scope="HOST",
            pool_type="Filesystem",
            url=f"file://{host.private_ip or host.name}/var/lib/cumulo/local",
            host_address=host.private_ip or host.name,
            path="/var/lib/cumulo/local",
            capacity_bytes=info.local_storage,
            status="Up",
        )
    )


def spec_of(host: Host) -> HostSpec:
    return HostSpec(
        guid=host.guid,
        url=host.url,
        name=host.name,
        cpus=host.cpus,
        speed=host.speed,
        memory=host.total_memory,
        local_storage=host.local_storage,
        private_ip=host.private_ip,
        arch=host.arch,
    )


def update(
    session: Session,
    caller: Caller,
    host: Host,
    *,
    allocation: str | None,
    tags: list[str] | None,
    name: str | None,
    annotation: str | None,
    url: str | None,
) -> Host:
    live(host, "host")
    if allocation is not None:
        wanted = allocation.strip().lower()
        if wanted not in ("enable", "disable"):
            raise InvalidParameter(
                f"Invalid allocation state {allocation!r}; use Enable or Disable"
            )
        states.RESOURCE.apply(session, host, wanted)
    if tags is not None:
        host.tags = ",".join(t.strip() for t in tags if t.strip()) or None
    if name is not None:
        if not name.strip():
            raise InvalidParameter("Host name must not be empty")
        host.name = name.strip()
    if annotation is not None:
        host.annotation = annotation
    if url is not None:
        host.url = url
    session.flush()
    events.record(
        session,
        caller,
        "HOST.UPDATE",
        f"Host {host.name} updated",
        resource_type="Host",
        resource_uuid=host.uuid,
    )
    return host


def vms_on(session: Session, host: Host) -> int:
    """VMs placed on the host (any type, any state that holds the host)."""
    from sqlalchemy import func

    from cumulo.db.models.vm import VMInstance

    return int(
        session.execute(
            select(func.count()).where(VMInstance.host_id == host.id, VMInstance.removed.is_(None))
        ).scalar_one()
    )


def delete(session: Session, caller: Caller, host: Host, forced: bool) -> None:
    live(host, "host")
    if vms_on(session, host) and not forced:
        raise ResourceInUse(f"Host {host.name} still has virtual machines; migrate them first")
    if not forced and host.resource_state != states.MAINTENANCE and host.status == states.UP:
        raise InvalidParameter(
            f"Host {host.name} cannot be deleted as it is not in maintenance mode. Either put "
            "the host into maintenance or perform a forced deletion."
        )
    for pool in session.execute(
        select(StoragePool).where(StoragePool.host_id == host.id, StoragePool.removed.is_(None))
    ).scalars():
        pool.mark_removed()
    dedication.forget(session, caller, host)
    host.mgmt_server_msid = None
    host.mark_removed()
    events.record(
        session,
        caller,
        "HOST.DELETE",
        f"Host {host.name} deleted",
        resource_type="Host",
        resource_uuid=host.uuid,
    )


def check_can_maintain(host: Host) -> None:
    live(host, "host")
    if not states.RESOURCE.allowed("ask_maintenance", host.resource_state):
        raise InvalidParameter(
            f"Cannot perform maintenance on host {host.name} while its resource state is "
            f"{host.resource_state}"
        )


def check_can_cancel(host: Host) -> None:
    live(host, "host")
    if host.resource_state not in states.IN_MAINTENANCE:
        raise InvalidParameter(
            f"Host {host.name} is not in maintenance (resource state {host.resource_state})"
        )


def evacuate(session: Session, host: Host) -> list[str]:
    """Superseded: prepareHostForMaintenance calls ``services.vms.migrate.evacuate``,
    which migrates outside any transaction. Kept for callers that only need to
    know what is still on the host."""
    from cumulo.db.models.vm import VMInstance

    return list(
        session.execute(
            select(VMInstance.name).where(
                VMInstance.host_id == host.id, VMInstance.removed.is_(None)
            )
        ).scalars()
    )


def check_live(host: Host) -> None:
    live(host, "host")
