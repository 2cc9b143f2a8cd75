"""Physical networks, their traffic types, service providers and guest VLAN ranges."""

from __future__ import annotations

import itertools

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.guest_vlan import GuestVlanRange
from cumulo.db.models.network_service_provider import NetworkServiceProvider, VirtualRouterElement
from cumulo.db.models.physical_network import PhysicalNetwork, TrafficType
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events
from cumulo.services.infra_common import choice, exists, live

STATES = ("Enabled", "Disabled")
TRAFFIC_TYPES = ("Public", "Guest", "Management", "Storage")
ISOLATION_METHODS = (
    "VLAN",
    "L3",
    "GRE",
    "STT",
    "BCF_SEGMENT",
    "MIDO",
    "SSP",
    "VXLAN",
    "ODL",
    "L3VPN",
    "VSP",
    "VCS",
    "TF",
    "NSX",
    "NETRIS",
)
PROVIDER_STATES = ("Enabled", "Disabled", "Shutdown")
# Providers every physical network starts with (CloudStack adds them on create).
DEFAULT_PROVIDERS = {
    "VirtualRouter": ("Disabled", "VirtualRouter"),
    "VpcVirtualRouter": ("Disabled", "VPCVirtualRouter"),
    "InternalLbVm": ("Disabled", None),
    "SecurityGroupProvider": ("Disabled", None),
    "ConfigDrive": ("Enabled", None),
}
VR_SERVICES = "Dhcp,Dns,Gateway,Firewall,Lb,SourceNat,StaticNat,PortForwarding,Vpn,UserData"
PROVIDER_SERVICES = {
    "VirtualRouter": VR_SERVICES,
    "VpcVirtualRouter": VR_SERVICES + ",NetworkACL",
    "InternalLbVm": "Lb",
    "SecurityGroupProvider": "SecurityGroup",
    "ConfigDrive": "UserData",
}
MAX_VLAN = 4094


def parse_vlan_ranges(text: str) -> list[tuple[int, int]]:
    """``"100-200;300-310,400"`` → ``[(100, 200), (300, 310), (400, 400)]``."""
    ranges = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            start, end = int(lo), int(hi or lo)
        except ValueError:
            raise InvalidParameter(f"Invalid VLAN range {part!r}; use e.g. 100-200") from None
        if not 1 <= start <= end <= MAX_VLAN * 4096:
            raise InvalidParameter(f"Invalid VLAN range {part!r}: start must be ≤ end, both ≥ 1")
        ranges.append((start, end))
    ranges.sort()
    for (_a, b), (c, _d) in itertools.pairwise(ranges):
        if c <= b:
            raise InvalidParameter(f"VLAN ranges in {text!r} overlap")
    return ranges


def check_vlans(session: Session, net: PhysicalNetwork, text: str) -> list[tuple[int, int]]:
    """Parse guest VLAN ranges; none may overlap another physical network's in the zone."""
    ranges = parse_vlan_ranges(text)
    others = session.execute(
        select(GuestVlanRange.start, GuestVlanRange.end).where(
            GuestVlanRange.zone_id == net.zone_id,
            GuestVlanRange.physical_network_id != net.id,
        )
    ).all()
    for start, end in ranges:
        for o_start, o_end in others:
            if start <= o_end and o_start <= end:
                raise InvalidParameter(
                    f"VLAN range {start}-{end} overlaps {o_start}-{o_end} of another physical "
                    "network in this zone"
                )
    return ranges


def _set_vlans(session: Session, net: PhysicalNetwork, text: str) -> None:
    """Replace the guest VLAN ranges."""
    ranges = check_vlans(session, net, text)
    session.execute(sql_delete(GuestVlanRange).where(GuestVlanRange.physical_network_id == net.id))
    for start, end in ranges:
        session.add(
            GuestVlanRange(physical_network_id=net.id, zone_id=net.zone_id, start=start, end=end)
        )


def vlan_text(session: Session, net_ids: list[int]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    if net_ids:
        rows = session.execute(
            select(GuestVlanRange)
            .where(GuestVlanRange.physical_network_id.in_(net_ids))
            .order_by(GuestVlanRange.start)
        ).scalars()
        for r in rows:
            out.setdefault(r.physical_network_id, []).append(
                f"{r.start}-{r.end}" if r.end != r.start else str(r.start)
            )
    return {k: ";".join(v) for k, v in out.items()}


def create(
    session: Session,
    caller: Caller,
    zone: Zone,
    name: str,
    *,
    isolation: list[str] | None,
    vlan: str | None,
    broadcast: str | None,
    speed: str | None,
    tags: list[str] | None,
    domain_id: int | None,
) -> PhysicalNetwork:
    live(zone, "zone")
    if exists(
        session,
        select(PhysicalNetwork.id).where(
            PhysicalNetwork.zone_id == zone.id, PhysicalNetwork.name == name
        ),
    ):
        raise InvalidParameter(f"A physical network named {name} already exists in this zone")
    methods = [choice(m, ISOLATION_METHODS, "isolation method") for m in (isolation or ["VLAN"])]
    net = PhysicalNetwork(
        zone_id=zone.id,
        name=name,
        isolation_methods=",".join(methods),
        broadcast_domain_range=choice(broadcast, ("ZONE", "POD"), "broadcast domain range")
        if broadcast
        else ("POD" if zone.network_type == "Basic" else "ZONE"),
        speed=speed,
        tags=",".join(tags) if tags else None,
        domain_id=domain_id,
    )
    session.add(net)
    session.flush()
    if vlan:
        _set_vlans(session, net, vlan)
    for provider, (state, element) in DEFAULT_PROVIDERS.items():
        nsp = NetworkServiceProvider(
            physical_network_id=net.id,
            name=provider,
            state=state,
            services=PROVIDER_SERVICES[provider],
        )
        session.add(nsp)
        session.flush()
        if element:
            session.add(VirtualRouterElement(provider_id=nsp.id, type=element))
    events.record(
        session,
        caller,
        "PHYSICAL.NETWORK.CREATE",
        f"Physical network {name} created",
        resource_type="PhysicalNetwork",
        resource_uuid=net.uuid,
    )
    return net


def update(
    session: Session,
    caller: Caller,
    net: PhysicalNetwork,
    *,
    state: str | None,
    vlan: str | None,
    speed: str | None,
    tags: list[str] | None,
) -> PhysicalNetwork:
    if state is not None:
        net.state = choice(state, STATES, "state")
    if vlan is not None:
        _set_vlans(session, net, vlan)
    if speed is not None:
        net.speed = speed
    if tags is not None:
        net.tags = ",".join(tags) or None
    session.flush()
    events.record(
        session,
        caller,
        "PHYSICAL.NETWORK.UPDATE",
        f"Physical network {net.name} updated",
        resource_type="PhysicalNetwork",
        resource_uuid=net.uuid,
    )
    return net


def networks_on(session: Session, net: PhysicalNetwork) -> int:
    """Guest networks built on this physical network. Hook for the network work."""
    return 0


def check_deletable(session: Session, net: PhysicalNetwork) -> None:
    if networks_on(session, net):
        raise ResourceInUse(f"Physical network {net.name} still carries networks; delete them")
    if exists(session, select(Vlan.id).where(Vlan.physical_network_id == net.id)):
        raise ResourceInUse(
            f"Physical network {net.name} still has IP ranges; delete them with deleteVlanIpRange"
        )


def delete(session: Session, caller: Caller, net: PhysicalNetwork) -> None:
    check_deletable(session, net)
    providers = select(NetworkServiceProvider.id).where(
        NetworkServiceProvider.physical_network_id == net.id
    )
    session.execute(
        sql_delete(VirtualRouterElement).where(VirtualRouterElement.provider_id.in_(providers))
    )
    session.execute(
        sql_delete(NetworkServiceProvider).where(
            NetworkServiceProvider.physical_network_id == net.id
        )
    )
    session.execute(sql_delete(TrafficType).where(TrafficType.physical_network_id == net.id))
    session.execute(sql_delete(GuestVlanRange).where(GuestVlanRange.physical_network_id == net.id))
    session.delete(net)
    events.record(
        session,
        caller,
        "PHYSICAL.NETWORK.DELETE",
        f"Physical network {net.name} deleted",
        resource_type="PhysicalNetwork",
        resource_uuid=net.uuid,
    )


def add_traffic_type(
    session: Session,
    caller: Caller,
    net: PhysicalNetwork,
    traffic: str,
    labels: dict[str, str | None],
    isolation: str | None,
    vlan: str | None,
) -> TrafficType:
    traffic = choice(traffic, TRAFFIC_TYPES, "traffic type")
    taken = select(TrafficType.id).where(
        TrafficType.physical_network_id == net.id, TrafficType.traffic_type == traffic
    )
    if exists(session, taken):
        raise InvalidParameter(f"Physical network {net.name} already carries {traffic} traffic")
    tt = TrafficType(
        physical_network_id=net.id,
        traffic_type=traffic,
        isolation_method=isolation,
        vlan=vlan,
        **{k: v for k, v in labels.items() if v is not None},
    )
    session.add(tt)
    session.flush()
    events.record(
        session,
        caller,
        "TRAFFIC.TYPE.CREATE",
        f"{traffic} traffic added to {net.name}",
        resource_type="TrafficType",
        resource_uuid=tt.uuid,
    )
    return tt


def provider_ready(session: Session, nsp: NetworkServiceProvider) -> bool:
    """A router provider can only be enabled once its element is configured."""
    element = session.execute(
        select(VirtualRouterElement).where(VirtualRouterElement.provider_id == nsp.id)
    ).scalar_one_or_none()
    return element is None or element.enabled


def update_provider(
    session: Session,
    caller: Caller,
    nsp: NetworkServiceProvider,
    state: str | None,
    services: list[str] | None,
) -> NetworkServiceProvider:
    if state is not None:
        wanted = choice(state, PROVIDER_STATES, "state")
        if wanted == "Enabled" and not provider_ready(session, nsp):
            raise InvalidParameter(
                f"Provider {nsp.name} is not ready, cannot Enable the provider, please "
                "configure the provider first (configureVirtualRouterElement enabled=true)"
            )
        nsp.state = wanted
    if services is not None:
        nsp.services = ",".join(services)
    session.flush()
    return nsp


def add_provider(
    session: Session,
    net: PhysicalNetwork,
    name: str,
    services: list[str] | None,
    destination: PhysicalNetwork | None,
) -> NetworkServiceProvider:
    taken = select(NetworkServiceProvider.id).where(
        NetworkServiceProvider.physical_network_id == net.id, NetworkServiceProvider.name == name
    )
    if exists(session, taken):
        raise InvalidParameter(f"Provider {name} is already added to physical network {net.name}")
    nsp = NetworkServiceProvider(
        physical_network_id=net.id,
        name=name,
        state="Disabled",
        services=",".join(services) if services else PROVIDER_SERVICES.get(name, ""),
        destination_physical_network_id=destination.id if destination else None,
    )
    session.add(nsp)
    session.flush()
    element = DEFAULT_PROVIDERS.get(name, (None, None))[1]
    if element:
        session.add(VirtualRouterElement(provider_id=nsp.id, type=element))
    return nsp
