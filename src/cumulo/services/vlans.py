"""IP ranges of a zone: public ranges (Advanced) and pod guest ranges (Basic)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.network import Network
from cumulo.db.models.physical_network import PhysicalNetwork, TrafficType
from cumulo.db.models.pod import Pod
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events, ipranges
from cumulo.services.infra_common import live


@dataclass(frozen=True)
class NewRange:
    zone: Zone | None
    pod: Pod | None
    physical_network: PhysicalNetwork | None
    network_id: int | None
    start_ip: str | None
    end_ip: str | None
    gateway: str | None
    netmask: str | None
    vlan: str | None
    for_virtual_network: bool | None
    for_system_vms: bool
    ip6: tuple[str | None, str | None, str | None, str | None]
    domain_id: int | None
    account_id: int | None


def vlan_uri(value: str | None) -> str:
    if value is None or value.strip().lower() in ("", "untagged", "vlan://untagged"):
        return "vlan://untagged"
    tag = value.strip().lower().removeprefix("vlan://")
    if not tag.isdigit() or not 1 <= int(tag) <= 4094:
        raise InvalidParameter(f"Invalid vlan {value!r}; use untagged or a VLAN id 1-4094")
    return f"vlan://{int(tag)}"


def _zone_of(session: Session, new: NewRange) -> Zone:
    zone = new.zone
    if zone is None and new.pod is not None:
        zone = session.get(Zone, new.pod.zone_id)
    if zone is None and new.physical_network is not None:
        zone = session.get(Zone, new.physical_network.zone_id)
    if zone is None:
        raise InvalidParameter("Give zoneid (or podid / physicalnetworkid) for the IP range")
    live(zone, "zone")
    return zone


def _physical_network(session: Session, zone: Zone, new: NewRange, virtual: bool) -> int | None:
    if new.physical_network is not None:
        if new.physical_network.zone_id != zone.id:
            raise InvalidParameter("The physical network is not in the range's zone")
        return new.physical_network.id
    wanted = "Public" if virtual else "Guest"
    return session.execute(
        select(PhysicalNetwork.id)
        .join(TrafficType, TrafficType.physical_network_id == PhysicalNetwork.id)
        .where(PhysicalNetwork.zone_id == zone.id, TrafficType.traffic_type == wanted)
        .order_by(PhysicalNetwork.id)
        .limit(1)
    ).scalar_one_or_none()


def create(session: Session, caller: Caller, new: NewRange) -> Vlan:
    zone = _zone_of(session, new)
    if new.pod is not None:
        live(new.pod, "pod")
        if new.pod.zone_id != zone.id:
            raise InvalidParameter(f"Pod {new.pod.name} is not in zone {zone.name}")
    virtual = new.for_virtual_network
    if virtual is None:
        virtual = zone.network_type == "Advanced" and new.pod is None and new.network_id is None
    if not (new.start_ip and new.gateway and new.netmask):
        raise InvalidParameter("An IPv4 range needs startip, gateway and netmask")
    first, last, _net = ipranges.checked_range(new.gateway, new.netmask, new.start_ip, new.end_ip)
    others = session.execute(select(Vlan.start_ip, Vlan.end_ip).where(Vlan.zone_id == zone.id))
    if ipranges.overlaps(first, last, others.all()):
        raise InvalidParameter(
            f"The IP range {first}-{last} overlaps an existing range in the zone"
        )
    pods = session.execute(
        select(Pod.start_ip, Pod.end_ip).where(Pod.zone_id == zone.id, Pod.removed.is_(None))
    )
    if ipranges.overlaps(first, last, pods.all()):
        raise InvalidParameter(f"The IP range {first}-{last} overlaps a pod's reserved range")
    ip6_gateway, ip6_cidr, ip6_start, ip6_end = new.ip6
    vlan = Vlan(
        zone_id=zone.id,
        pod_id=new.pod.id if new.pod else None,
        physical_network_id=_physical_network(session, zone, new, virtual),
        network_id=new.network_id,
        vlan_tag=vlan_uri(new.vlan),
        gateway=new.gateway,
        netmask=new.netmask,
        start_ip=str(first),
        end_ip=str(last),
        ip6_gateway=ip6_gateway,
        ip6_cidr=ip6_cidr,
        ip6_start=ip6_start,
        ip6_end=ip6_end,
        vlan_type="VirtualNetwork" if virtual else "DirectAttached",
        for_system_vms=new.for_system_vms,
        domain_id=new.domain_id,
        account_id=new.account_id,
    )
    session.add(vlan)
    session.flush()
    events.record(
        session,
        caller,
        "VLAN.IP.RANGE.CREATE",
        f"IP range {first}-{last} added",
        resource_type="Vlan",
        resource_uuid=vlan.uuid,
    )
    return vlan


def addresses_in_use(session: Session, vlan: Vlan) -> int:
    """Allocated public addresses of the range, and NICs of a shared network's range."""
    from cumulo.services import nics, public_ips

    return public_ips.in_range(session, vlan) + nics.in_pod_range(session, vlan)


def delete(session: Session, caller: Caller, vlan: Vlan) -> None:
    if addresses_in_use(session, vlan):
        raise ResourceInUse(
            f"IP range {vlan.start_ip}-{vlan.end_ip} has addresses in use; release them first"
        )
    session.delete(vlan)
    events.record(
        session,
        caller,
        "VLAN.IP.RANGE.DELETE",
        f"IP range {vlan.start_ip}-{vlan.end_ip} deleted",
        resource_type="Vlan",
        resource_uuid=vlan.uuid,
    )


def pod_guest_network(network: Network | None, pod: Pod | None) -> int | None:
    """A pod guest range may name its Basic zone's shared guest network (as Marvin does)."""
    if network is None:
        return None
    live(network, "network")
    if pod is None or network.zone_id != pod.zone_id or network.guest_type != "Shared":
        raise InvalidParameter(
            f"Network {network.name} is not the shared guest network of the pod's zone"
        )
    if network.cidr is not None:
        raise InvalidParameter(
            f"Network {network.name} has its own range; pod ranges are for Basic zone networks"
        )
    return network.id
