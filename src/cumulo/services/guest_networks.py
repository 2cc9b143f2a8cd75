"""Guest networks: create (isolated, shared, L2), update, delete, implement.

Implementing an isolated network claims a guest VLAN from the physical
network's ranges (a ``guest_vnet`` row, unique per physical network) and its
source-NAT public IP in one transaction; on any failure the transaction rolls
back and the network stays Allocated with nothing held.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.guest_vlan import GuestVlanRange
from cumulo.db.models.guest_vnet import GuestVnet
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.nic import Nic
from cumulo.db.models.physical_network import PhysicalNetwork, TrafficType
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone
from cumulo.errors import InsufficientCapacity, InvalidParameter, ResourceInUse
from cumulo.services import events, limits, network_offerings, network_rules, public_ips, routers
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import Owner
from cumulo.services.vlans import vlan_uri

DEFAULT_GUEST_CIDR = "10.1.1.0/24"
MAX_COLLISIONS = 64


@dataclass(frozen=True)
class NewNetwork:
    name: str
    display_text: str | None
    zone: Zone
    offering: NetworkOffering
    physical_network: PhysicalNetwork | None
    gateway: str | None
    netmask: str | None
    start_ip: str | None
    end_ip: str | None
    vlan: str | None
    acl_type: str | None
    network_domain: str | None


def guest_physical_network(session: Session, zone: Zone) -> PhysicalNetwork | None:
    return session.execute(
        select(PhysicalNetwork)
        .join(TrafficType, TrafficType.physical_network_id == PhysicalNetwork.id)
        .where(PhysicalNetwork.zone_id == zone.id, TrafficType.traffic_type == "Guest")
        .order_by(PhysicalNetwork.id)
        .limit(1)
    ).scalar_one_or_none()


def _cidr(gateway: str, netmask: str) -> str:
    try:
        net = ipaddress.ip_network(f"{gateway}/{netmask}", strict=False)
        ipaddress.IPv4Address(gateway)
    except ValueError as exc:
        raise InvalidParameter(f"Invalid gateway/netmask {gateway}/{netmask}: {exc}") from None
    return str(net)


def _check_in(cidr: str, *addresses: str | None) -> None:
    net = ipaddress.ip_network(cidr)
    for address in addresses:
        if address is None:
            continue
        try:
            inside = ipaddress.IPv4Address(address) in net
        except ValueError:
            raise InvalidParameter(f"Invalid IP address {address}") from None
        if not inside:
            raise InvalidParameter(f"IP address {address} is outside the network's cidr {cidr}")


def _addressing(new: NewNetwork, guest: str) -> tuple[str | None, str | None, str | None]:
    """(cidr, gateway, netmask) of the new network."""
    if guest == "L2":
        return None, None, None
    if (new.gateway is None) != (new.netmask is None):
        raise InvalidParameter("Give both gateway and netmask, or neither")
    if new.gateway and new.netmask:
        cidr = _cidr(new.gateway, new.netmask)
        return cidr, new.gateway, new.netmask
    if guest == "Shared" and new.zone.network_type == "Basic":
        # A Basic zone's guest addresses come from its pods' guest IP ranges.
        return None, None, None
    if guest == "Shared":
        raise InvalidParameter("A shared network needs gateway, netmask, startip and endip")
    cidr = new.zone.guest_cidr or DEFAULT_GUEST_CIDR
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net), str(net.network_address + 1), str(net.netmask)


def _vlan_of(new: NewNetwork) -> str | None:
    """The VLAN asked for; Basic zones are flat, so their guest network is untagged."""
    if new.vlan is None and new.zone.network_type == "Basic" and new.offering.specify_vlan:
        return "untagged"
    return new.vlan


def _validate(session: Session, caller: Caller, new: NewNetwork) -> str:
    offering = new.offering
    network_offerings.live(offering)
    if offering.state != "Enabled":
        raise InvalidParameter(f"Network offering {offering.name} is not Enabled")
    if offering.traffic_type != "Guest" or offering.system_only:
        raise InvalidParameter(f"Network offering {offering.name} cannot be used for guests")
    guest = offering.guest_ip_type or "Isolated"
    if new.zone.removed is not None:
        raise InvalidParameter(f"Zone {new.zone.uuid} does not exist")
    if guest == "Isolated" and new.zone.network_type != "Advanced":
        raise InvalidParameter("Isolated networks can be created only in Advanced zones")
    if guest == "Shared" and not caller.is_admin:
        from cumulo.errors import PermissionDenied

        raise PermissionDenied("Only admins can create shared networks")
    if offering.specify_vlan and _vlan_of(new) is None:
        raise InvalidParameter(f"Network offering {offering.name} requires a vlan")
    if not offering.specify_vlan and new.vlan is not None:
        raise InvalidParameter(f"Network offering {offering.name} does not allow a vlan")
    return guest


def create(
    session: Session, config: ConfigStore, caller: Caller, owner: Owner, new: NewNetwork
) -> Network:
    guest = _validate(session, caller, new)
    cidr, gateway, netmask = _addressing(new, guest)
    if guest == "Shared" and cidr is not None:
        if not new.start_ip:
            raise InvalidParameter("A shared network needs startip (and endip) inside its cidr")
        _check_in(cidr, new.start_ip, new.end_ip or new.start_ip)
    pnet = new.physical_network or guest_physical_network(session, new.zone)
    if pnet is not None and pnet.zone_id != new.zone.id:
        raise InvalidParameter("The physical network is not in the network's zone")
    acl = (new.acl_type or ("Domain" if guest == "Shared" else "Account")).capitalize()
    if acl not in ("Account", "Domain"):
        raise InvalidParameter("acltype must be Account or Domain")
    if acl == "Domain" and not caller.is_admin:
        from cumulo.errors import PermissionDenied

        raise PermissionDenied("Only admins can create networks with acltype Domain")
    requested = _vlan_of(new)
    vlan = vlan_uri(requested) if requested is not None else None
    limits.consume(session, config, owner.account_id, ResourceType.NETWORK)
    network = Network(
        name=new.name,
        display_text=new.display_text or new.name,
        zone_id=new.zone.id,
        physical_network_id=pnet.id if pnet else None,
        network_offering_id=new.offering.id,
        traffic_type="Guest",
        guest_type=guest,
        state="Setup" if vlan or guest == "Shared" else "Allocated",
        broadcast_uri=vlan,
        cidr=cidr,
        gateway=gateway,
        netmask=netmask,
        start_ip=new.start_ip if guest == "Shared" else None,
        end_ip=(new.end_ip or new.start_ip) if guest == "Shared" else None,
        network_domain=new.network_domain,
        dns1=new.zone.dns1,
        dns2=new.zone.dns2,
        acl_type=acl,
        specify_ip_ranges=new.offering.specify_ip_ranges,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    session.add(network)
    session.flush()
    if vlan is not None and vlan != "vlan://untagged":
        claim_vlan(session, network, int(vlan.removeprefix("vlan://")))
    events.record(
        session,
        caller,
        "NETWORK.CREATE",
        f"Network {network.name} created",
        resource_type="Network",
        resource_uuid=network.uuid,
    )
    return network


def nics_on(session: Session, network_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(Nic)
        .where(Nic.network_id == network_id, Nic.removed.is_(None), Nic.instance_type == "User")
    ).scalar_one()


def delete(session: Session, caller: Caller, network: Network) -> None:
    if network.removed is not None:
        raise InvalidParameter(f"Network {network.uuid} is already removed")
    if nics_on(session, network.id):
        raise ResourceInUse(
            f"Network {network.name} has virtual machines attached; "
            "destroy them or remove their NICs first"
        )
    network_rules.remove_for_network(session, network.id)
    shutdown(session, caller, network, every_ip=True)
    network.mark_removed()
    network.state = "Destroy"
    network.version += 1
    limits.release(session, network.account_id, ResourceType.NETWORK)
    events.record(
        session,
        caller,
        "NETWORK.DELETE",
        f"Network {network.name} deleted",
        resource_type="Network",
        resource_uuid=network.uuid,
    )


def shutdown(session: Session, caller: Caller, network: Network, every_ip: bool = False) -> None:
    """Give back what implementation took: router, guest VLAN and source-NAT IP.

    Routers must be stopped on their hosts before (the job does that).
    """
    for router in routers.of_network(session, network.id):
        routers.release(session, router)
    vnets = session.execute(
        select(GuestVnet).where(GuestVnet.network_id == network.id, GuestVnet.removed.is_(None))
    ).scalars()
    for vnet in vnets:
        vnet.mark_removed()
        network.broadcast_uri = None
    ips = select(PublicIp).where(PublicIp.network_id == network.id, PublicIp.removed.is_(None))
    if not every_ip:
        ips = ips.where(PublicIp.is_source_nat.is_(True))
    for ip in session.execute(ips).scalars():
        public_ips.release(session, caller, ip)


def _vnet_candidates(session: Session, pnet_id: int) -> list[int]:
    ranges = session.execute(
        select(GuestVlanRange.start, GuestVlanRange.end)
        .where(GuestVlanRange.physical_network_id == pnet_id)
        .order_by(GuestVlanRange.start)
    ).all()
    used = set(
        session.execute(
            select(GuestVnet.vnet).where(
                GuestVnet.physical_network_id == pnet_id, GuestVnet.removed.is_(None)
            )
        ).scalars()
    )
    return [v for start, end in ranges for v in range(start, end + 1) if v not in used]


def claim_vnet(session: Session, network: Network) -> int:
    """Take a free guest VLAN of the network's physical network; unique under concurrency."""
    if network.physical_network_id is None:
        raise InvalidParameter(f"Network {network.name} has no physical network for a guest VLAN")
    candidates = _vnet_candidates(session, network.physical_network_id)
    for collisions, vnet in enumerate(candidates):
        if collisions > MAX_COLLISIONS:
            break
        row = GuestVnet(
            physical_network_id=network.physical_network_id,
            zone_id=network.zone_id,
            vnet=vnet,
            network_id=network.id,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return vnet
        except IntegrityError:
            continue
    raise InsufficientCapacity(
        "Unable to allocate a guest VLAN: every VLAN of the physical network's ranges is in "
        "use; add a range with updatePhysicalNetwork vlan=..."
    )


def has_source_nat(session: Session, offering: NetworkOffering) -> bool:
    return "SourceNat" in network_offerings.services_of(session, offering).providers


def uses_router(session: Session, offering: NetworkOffering) -> bool:
    providers = network_offerings.services_of(session, offering).providers
    return any("VirtualRouter" in names for names in providers.values())


def implement(
    session: Session, config: ConfigStore, caller: Caller, network: Network, owner: Owner
) -> VMInstance | None:
    """Allocated → Implementing: guest VLAN, source-NAT IP and the router row.

    The claim is a conditional UPDATE, so of two concurrent callers only one
    implements. Returns the router the job must start (None: nothing to start,
    the network is Implemented already).
    """
    res = session.execute(
        update(Network)
        .where(Network.id == network.id, Network.state == "Allocated")
        .values(state="Implementing", version=Network.version + 1)
    )
    claimed = res.rowcount  # type: ignore[attr-defined]
    session.refresh(network)
    if not claimed:
        return None
    if network.broadcast_uri is None and network.physical_network_id is not None:
        network.broadcast_uri = f"vlan://{claim_vnet(session, network)}"
    offering = session.get(NetworkOffering, network.network_offering_id)
    snat = None
    if network.guest_type == "Isolated" and offering and has_source_nat(session, offering):
        zone = session.get(Zone, network.zone_id)
        assert zone is not None
        snat = public_ips.allocate(
            session, config, caller, owner, zone, network_id=network.id, source_nat=True
        )
    router = None
    if network.guest_type == "Isolated" and offering and uses_router(session, offering):
        router = routers.create(session, network, owner, snat)
    network.state = "Implementing" if router else "Implemented"
    return router


def implemented(session: Session, network_id: int, router_id: int) -> None:
    """The router runs: Implementing → Implemented."""
    network = session.get(Network, network_id)
    router = session.get(VMInstance, router_id)
    assert network is not None and router is not None
    router.state = "Running"
    router.version += 1
    if network.state == "Implementing":
        network.state = "Implemented"
        network.version += 1


def roll_back(session: Session, caller: Caller, network_id: int) -> None:
    """Implementation failed: back to Allocated with VLAN, addresses and router released."""
    network = session.get(Network, network_id)
    assert network is not None
    shutdown(session, caller, network, every_ip=True)
    network.state = "Allocated"
    network.version += 1


def source_nat_ip(session: Session, network_id: int) -> PublicIp | None:
    return session.execute(
        select(PublicIp).where(
            PublicIp.network_id == network_id,
            PublicIp.is_source_nat.is_(True),
            PublicIp.removed.is_(None),
        )
    ).scalar_one_or_none()


def router_needed(session: Session, network: Network) -> bool:
    offering = session.get(NetworkOffering, network.network_offering_id)
    return (
        network.guest_type == "Isolated" and offering is not None and uses_router(session, offering)
    )


@network_offerings.register_usage_check
def _offering_in_use(session: Session, offering: NetworkOffering) -> str | None:
    """An offering with live networks cannot be deleted."""
    name = session.execute(
        select(Network.name)
        .where(Network.network_offering_id == offering.id, Network.removed.is_(None))
        .limit(1)
    ).scalar_one_or_none()
    return f"network {name}" if name is not None else None


def count_for_accounts(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Network.account_id, func.count())
        .where(
            Network.account_id.in_(account_ids),
            Network.removed.is_(None),
            Network.is_system.is_(False),
        )
        .group_by(Network.account_id)
    )
    return {account_id: n for account_id, n in rows}


limits.COUNTERS[ResourceType.NETWORK] = count_for_accounts


def claim_vlan(session: Session, network: Network, tag: int) -> None:
    """A vlan given at creation (shared, L2 with specifyvlan) is claimed like an allocated one."""
    if network.physical_network_id is None:
        return
    row = GuestVnet(
        physical_network_id=network.physical_network_id,
        zone_id=network.zone_id,
        vnet=tag,
        network_id=network.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise InvalidParameter(
            f"VLAN {tag} is already used by another network of the physical network"
        ) from None
