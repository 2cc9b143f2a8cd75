"""Pods: create, update, delete; the pod range hands out hosts' private addresses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import dedication, events, ipranges
from cumulo.services.infra_common import allocation_state, exists, live


def _check_name(session: Session, zone_id: int, name: str, pod_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("Pod name must not be empty")
    stmt = select(Pod.id).where(Pod.zone_id == zone_id, Pod.name == name, Pod.removed.is_(None))
    if pod_id is not None:
        stmt = stmt.where(Pod.id != pod_id)
    if exists(session, stmt):
        raise InvalidParameter(f"A pod with name {name} already exists in this zone")
    return name


def _check_range(
    session: Session,
    zone_id: int,
    pod_id: int | None,
    gateway: str | None,
    netmask: str | None,
    start: str | None,
    end: str | None,
) -> None:
    if start is None:
        if gateway or netmask:
            if not (gateway and netmask):
                raise InvalidParameter("Give both gateway and netmask for a pod")
            ipranges.network(gateway, netmask)
        return
    if not (gateway and netmask):
        raise InvalidParameter("A pod IP range needs the pod's gateway and netmask")
    first, last, _net = ipranges.checked_range(gateway, netmask, start, end)
    others = select(Pod.start_ip, Pod.end_ip).where(Pod.zone_id == zone_id, Pod.removed.is_(None))
    if pod_id is not None:
        others = others.where(Pod.id != pod_id)
    if ipranges.overlaps(first, last, session.execute(others).all()):
        raise InvalidParameter(
            f"The IP range {first}-{last} overlaps the range of another pod in this zone"
        )


def create(
    session: Session,
    caller: Caller,
    zone: Zone,
    name: str,
    *,
    gateway: str | None,
    netmask: str | None,
    start_ip: str | None,
    end_ip: str | None,
    allocation: str | None,
) -> Pod:
    live(zone, "zone")
    name = _check_name(session, zone.id, name)
    _check_range(session, zone.id, None, gateway, netmask, start_ip, end_ip)
    if start_ip and not end_ip:
        end_ip = start_ip
    pod = Pod(
        zone_id=zone.id,
        name=name,
        gateway=gateway,
        netmask=netmask,
        start_ip=start_ip,
        end_ip=end_ip,
        allocation_state=allocation_state(allocation, "Enabled"),
    )
    session.add(pod)
    session.flush()
    events.record(
        session,
        caller,
        "POD.CREATE",
        f"Pod {name} created",
        resource_type="Pod",
        resource_uuid=pod.uuid,
    )
    return pod


def update(
    session: Session,
    caller: Caller,
    pod: Pod,
    *,
    name: str | None,
    gateway: str | None,
    netmask: str | None,
    start_ip: str | None,
    end_ip: str | None,
    allocation: str | None,
) -> Pod:
    live(pod, "pod")
    if name is not None:
        pod.name = _check_name(session, pod.zone_id, name, pod.id)
    if any(v is not None for v in (gateway, netmask, start_ip, end_ip)):
        gw, nm = gateway or pod.gateway, netmask or pod.netmask
        first, last = start_ip or pod.start_ip, end_ip or (start_ip if start_ip else pod.end_ip)
        _check_range(session, pod.zone_id, pod.id, gw, nm, first, last)
        _check_hosts_inside(session, pod, first, last)
        pod.gateway, pod.netmask, pod.start_ip, pod.end_ip = gw, nm, first, last
    if allocation is not None:
        pod.allocation_state = allocation_state(allocation)  # type: ignore[assignment]
    session.flush()
    events.record(
        session,
        caller,
        "POD.EDIT",
        f"Pod {pod.name} updated",
        resource_type="Pod",
        resource_uuid=pod.uuid,
    )
    return pod


def _check_hosts_inside(session: Session, pod: Pod, start: str | None, end: str | None) -> None:
    """Shrinking the range must keep every address already given to a host."""
    if not start:
        return
    lo, hi = ipranges.address(start, "Start IP"), ipranges.address(end or start, "End IP")
    ips = session.execute(
        select(Host.private_ip).where(Host.pod_id == pod.id, Host.removed.is_(None))
    ).scalars()
    for ip in ips:
        if ip and not lo <= ipranges.address(ip, "Host IP") <= hi:
            raise ResourceInUse(f"Host address {ip} is in use and outside the new range")


def delete(session: Session, caller: Caller, pod: Pod) -> None:
    live(pod, "pod")
    users = (
        (select(Cluster.id).where(Cluster.pod_id == pod.id, Cluster.removed.is_(None)), "clusters"),
        (select(Host.id).where(Host.pod_id == pod.id, Host.removed.is_(None)), "hosts"),
        (select(Vlan.id).where(Vlan.pod_id == pod.id), "guest IP ranges"),
    )
    for stmt, what in users:
        if exists(session, stmt):
            raise ResourceInUse(
                f"Pod {pod.name} cannot be deleted because it still has {what}; delete them first"
            )
    dedication.forget(session, caller, pod)
    pod.mark_removed()
    events.record(
        session,
        caller,
        "POD.DELETE",
        f"Pod {pod.name} deleted",
        resource_type="Pod",
        resource_uuid=pod.uuid,
    )


def allocate_private_ip(session: Session, pod: Pod) -> str | None:
    """The next address of the pod range that no host uses (None: no range or full)."""
    if not pod.start_ip:
        return None
    taken = session.execute(
        select(Host.private_ip).where(Host.pod_id == pod.id, Host.removed.is_(None))
    ).scalars()
    return ipranges.first_free(pod.start_ip, pod.end_ip, taken)
