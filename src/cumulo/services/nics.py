"""NIC allocation: an address and a MAC on a network, unique under concurrency.

Shared by user VMs, virtual routers and system VMs. Free addresses are found
from the network's range minus the held ones (and any addresses reserved by
callers); the database is the final arbiter, so two deployments racing for the
same address cannot both get it — the loser tries the next one inside a
savepoint. Every held address, a NIC's primary or a secondary IP, has a
``guest_address`` row keyed by (network, address): that key is what a primary
and a secondary allocation collide on.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.db.models.nic_secondary_ip import GuestAddress, NicSecondaryIp
from cumulo.db.models.vlan import Vlan
from cumulo.errors import InsufficientCapacity, InvalidParameter

MAX_COLLISIONS = 32
_MAC = re.compile(r"^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$")


def new_mac() -> str:
    """A locally administered unicast MAC (02:xx:...), as CloudStack uses for guests."""
    return "02:00:" + ":".join(f"{random.randint(0, 255):02x}" for _ in range(4))


def checked_mac(value: str) -> str:
    """A requested MAC in canonical form (lower case, colons); unicast only."""
    mac = value.strip().lower()
    if not _MAC.match(mac):
        raise InvalidParameter(
            f"macaddress {value!r} is not a MAC address; use the form 02:00:0a:0b:0c:0d"
        )
    mac = mac.replace("-", ":")
    if int(mac[:2], 16) & 1 or mac == "00:00:00:00:00:00":
        raise InvalidParameter(f"macaddress {value} is not a unicast MAC address")
    return mac


def address_range(network: Network) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """The allocatable range: start_ip..end_ip, else the cidr's hosts."""
    if not network.cidr:
        raise InvalidParameter(f"Network {network.uuid} has no IPv4 CIDR to allocate from")
    net = ipaddress.ip_network(network.cidr, strict=False)
    if network.start_ip and network.end_ip:
        return ipaddress.IPv4Address(network.start_ip), ipaddress.IPv4Address(network.end_ip)
    hosts = list(_bounds(net))
    return hosts[0], hosts[1]


def _bounds(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Iterator[ipaddress.IPv4Address]:
    first, last = int(net.network_address) + 1, int(net.broadcast_address) - 1
    yield ipaddress.IPv4Address(first)
    yield ipaddress.IPv4Address(last)


def used_addresses(session: Session, network_id: int) -> set[str]:
    """Every address held on the network: NICs' primary addresses and secondary IPs."""
    rows = session.execute(
        select(GuestAddress.address).where(GuestAddress.network_id == network_id)
    ).scalars()
    return set(rows)


def claim(session: Session, network_id: int, address: str, nic_id: int) -> bool:
    """Hold ``address`` on the network for the NIC; False when someone holds it.

    Runs in a savepoint, so a lost race leaves the caller's transaction usable.
    """
    try:
        with session.begin_nested():
            session.execute(
                insert(GuestAddress).values(network_id=network_id, address=address, nic_id=nic_id)
            )
        return True
    except IntegrityError:
        return False


def unclaim(session: Session, network_id: int, address: str | None) -> None:
    if address is not None:
        session.execute(
            delete(GuestAddress).where(
                GuestAddress.network_id == network_id, GuestAddress.address == address
            )
        )


def held(session: Session, network_id: int, address: str) -> bool:
    found = session.execute(
        select(GuestAddress.nic_id).where(
            GuestAddress.network_id == network_id, GuestAddress.address == address
        )
    ).first()
    return found is not None


def _set_address(session: Session, nic: Nic, address: str) -> bool:
    """Move the NIC's primary address to ``address`` (claimed first); False if taken."""
    if nic.ip4_address == address:
        return True
    if not claim(session, nic.network_id, address, nic.id):
        return False
    unclaim(session, nic.network_id, nic.ip4_address)
    nic.ip4_address = address
    session.flush()
    return True


def free_addresses(network: Network, used: Iterable[str]) -> Iterator[str]:
    start, end = address_range(network)
    taken = set(used)
    if network.gateway:
        taken.add(network.gateway)
    for value in range(int(start), int(end) + 1):
        candidate = str(ipaddress.IPv4Address(value))
        if candidate not in taken:
            yield candidate


def allocate_nic(
    session: Session,
    network: Network,
    instance_id: int,
    *,
    instance_type: str = "User",
    ip: str | None = None,
    is_default: bool = False,
    device_id: int = 0,
    reserved: Iterable[str] = (),
    allow_gateway: bool = False,
    mac: str | None = None,
) -> Nic:
    """Give the instance a NIC on ``network``; ``ip``/``mac`` request specific ones.

    Raises InvalidParameter for a requested address outside the range or in
    use, InsufficientCapacity when the range is exhausted. ``allow_gateway``
    lets a virtual router take the network's gateway address. A network
    without a CIDR (L2, or a Basic zone's pod-addressed network) gets a NIC
    without an address; pod addresses come later with ``assign_pod_address``.
    """
    if network.cidr is None:
        if ip is not None:
            raise InvalidParameter(f"Network {network.name} has no IPv4 range to take {ip} from")
        nic = _insert(
            session, network, instance_id, instance_type, None, is_default, device_id, mac
        )
        if nic is None:
            raise InvalidParameter(f"MAC address {mac} is already in use")
        return nic
    if ip is not None:
        start, end = address_range(network)
        try:
            inside = int(start) <= int(ipaddress.IPv4Address(ip)) <= int(end)
        except ValueError:
            raise InvalidParameter(f"Invalid IPv4 address {ip!r}") from None
        if not (inside or (allow_gateway and ip == network.gateway)) or (
            ip == network.gateway and not allow_gateway
        ):
            raise InvalidParameter(
                f"IP address {ip} is outside network {network.name}'s range {start}-{end}"
            )
        nic = _insert(session, network, instance_id, instance_type, ip, is_default, device_id, mac)
        if nic is None:
            raise InvalidParameter(
                f"IP address {ip} (or MAC address {mac}) is already in use on network "
                f"{network.name}"
                if mac
                else f"IP address {ip} is already in use on network {network.name}"
            )
        return nic
    used = used_addresses(session, network.id) | set(reserved)
    for collisions, candidate in enumerate(free_addresses(network, used)):
        if collisions > MAX_COLLISIONS:
            break
        nic = _insert(
            session, network, instance_id, instance_type, candidate, is_default, device_id, mac
        )
        if nic is not None:
            return nic
        if mac is not None and _mac_taken(session, mac):
            raise InvalidParameter(f"MAC address {mac} is already in use")
    raise InsufficientCapacity(f"Network {network.name} has no free IP address left in its range")


def _mac_taken(session: Session, mac: str) -> bool:
    found = session.execute(
        select(Nic.id).where(Nic.mac_address == mac, Nic.removed.is_(None))
    ).first()
    return found is not None


def _insert(
    session: Session,
    network: Network,
    instance_id: int,
    instance_type: str,
    ip: str | None,
    is_default: bool,
    device_id: int,
    mac: str | None = None,
) -> Nic | None:
    """Insert in a savepoint; None if the address (or the MAC) was taken.

    A random MAC that collides is replaced; a requested one is not.
    """
    netmask = None
    if network.cidr is not None:
        netmask = str(ipaddress.ip_network(network.cidr, strict=False).netmask)
    for _ in range(1 if mac else 3):
        nic = Nic(
            instance_id=instance_id,
            instance_type=instance_type,
            network_id=network.id,
            mac_address=mac or new_mac(),
            ip4_address=ip,
            netmask=netmask,
            gateway=network.gateway,
            broadcast_uri=network.broadcast_uri,
            isolation_uri=network.broadcast_uri,
            device_id=device_id,
            is_default=is_default,
            state="Reserved",
        )
        try:
            with session.begin_nested():
                session.add(nic)
                session.flush()
                if ip is not None:
                    session.execute(
                        insert(GuestAddress).values(
                            network_id=network.id, address=ip, nic_id=nic.id
                        )
                    )
            return nic
        except IntegrityError:
            if ip is not None and held(session, network.id, ip):
                return None
            # Otherwise the random MAC collided: try another.
    return None


def release_nic(session: Session, nic: Nic) -> None:
    """Soft-delete one NIC; its primary address and its secondary IPs become free."""
    if nic.removed is not None:
        return
    secondaries = select(NicSecondaryIp).where(
        NicSecondaryIp.nic_id == nic.id, NicSecondaryIp.removed.is_(None)
    )
    for secondary in session.execute(secondaries).scalars():
        secondary.mark_removed()
    session.execute(delete(GuestAddress).where(GuestAddress.nic_id == nic.id))
    nic.mark_removed()
    nic.state = "Deallocating"


def release_nics(session: Session, instance_id: int) -> int:
    """Soft-delete every live NIC of an instance; their addresses become free."""
    nics = (
        session.execute(select(Nic).where(Nic.instance_id == instance_id, Nic.removed.is_(None)))
        .scalars()
        .all()
    )
    for nic in nics:
        release_nic(session, nic)
    return len(nics)


# -- Basic zones: guest addresses come from the pod the VM runs in -----------------


def pod_ranges(session: Session, network: Network, pod_id: int | None = None) -> list[Vlan]:
    """The pod guest ranges (DirectAttached) a pod-addressed network allocates from."""
    stmt = select(Vlan).where(
        Vlan.zone_id == network.zone_id,
        Vlan.pod_id.is_not(None),
        Vlan.vlan_type == "DirectAttached",
        or_(Vlan.network_id.is_(None), Vlan.network_id == network.id),
    )
    if pod_id is not None:
        stmt = stmt.where(Vlan.pod_id == pod_id)
    return list(session.execute(stmt.order_by(Vlan.id)).scalars())


def _in(vlan: Vlan, ip: str) -> bool:
    if not (vlan.start_ip and vlan.end_ip):
        return False
    value = int(ipaddress.IPv4Address(ip))
    return (
        int(ipaddress.IPv4Address(vlan.start_ip))
        <= value
        <= int(ipaddress.IPv4Address(vlan.end_ip))
    )


def range_of(session: Session, network: Network, ip: str) -> Vlan:
    """The pod range holding a requested address, or 431."""
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        raise InvalidParameter(f"Invalid IP address {ip}") from None
    for vlan in pod_ranges(session, network):
        if _in(vlan, ip) and ip != vlan.gateway:
            return vlan
    raise InvalidParameter(
        f"IP address {ip} is not in a pod guest IP range of network {network.name}"
    )


def _take(session: Session, nic: Nic, vlan: Vlan, ip: str) -> bool:
    if not _set_address(session, nic, ip):
        return False
    nic.netmask, nic.gateway = vlan.netmask, vlan.gateway
    return True


def assign_pod_address(
    session: Session, nic: Nic, network: Network, pod_id: int, ip: str | None = None
) -> None:
    """Give a Basic-zone NIC an address of pod ``pod_id`` (kept if it has one there).

    Unique under concurrency like ``allocate_nic``: the unique constraint on
    (network, address) decides, inside a savepoint.
    """
    ranges = pod_ranges(session, network, pod_id)
    if ip is None and nic.ip4_address and any(_in(v, nic.ip4_address) for v in ranges):
        return
    if ip is not None:
        vlan = range_of(session, network, ip)
        if vlan.pod_id != pod_id:
            raise InvalidParameter(f"IP address {ip} belongs to another pod's guest range")
        if not _take(session, nic, vlan, ip):
            raise InvalidParameter(f"IP address {ip} is already in use on network {network.name}")
        return
    for collisions, (vlan, candidate) in enumerate(_pod_candidates(session, network, ranges)):
        if collisions > MAX_COLLISIONS:
            break
        if _take(session, nic, vlan, candidate):
            return
    raise _pod_full(network)


def _pod_candidates(
    session: Session, network: Network, ranges: list[Vlan]
) -> Iterator[tuple[Vlan, str]]:
    """Free addresses of the pod ranges, in order (the claim still decides)."""
    used = used_addresses(session, network.id)
    for vlan in ranges:
        start, end = vlan.start_ip, vlan.end_ip or vlan.start_ip
        assert start is not None and end is not None
        for value in range(int(ipaddress.IPv4Address(start)), int(ipaddress.IPv4Address(end)) + 1):
            candidate = str(ipaddress.IPv4Address(value))
            if candidate not in used and candidate != vlan.gateway:
                yield vlan, candidate


def _pod_full(network: Network) -> InsufficientCapacity:
    return InsufficientCapacity(
        f"The pod has no free guest IP address left for network {network.name}; "
        "add a range with createVlanIpRange podid=..."
    )


def take_pod_address(
    session: Session, network: Network, nic_id: int, pod_id: int, ip: str | None
) -> str:
    """A secondary address for a Basic-zone NIC: ``ip`` or the next free one of
    pod ``pod_id``'s guest ranges (the pod the VM runs in), claimed like any other."""
    if ip is not None:
        if range_of(session, network, ip).pod_id != pod_id:
            raise InvalidParameter(
                f"IP address {ip} belongs to another pod's guest range than the VM's pod"
            )
        if not claim(session, network.id, ip, nic_id):
            raise InvalidParameter(f"IP address {ip} is already in use on network {network.name}")
        return ip
    ranges = pod_ranges(session, network, pod_id)
    for collisions, (_vlan, candidate) in enumerate(_pod_candidates(session, network, ranges)):
        if collisions > MAX_COLLISIONS:
            break
        if claim(session, network.id, candidate, nic_id):
            return candidate
    raise _pod_full(network)


def vm_nics(session: Session, instance_id: int) -> list[tuple[Nic, Network]]:
    """The instance's live NICs with their networks, in device order."""
    rows = session.execute(
        select(Nic, Network)
        .join(Network, Network.id == Nic.network_id)
        .where(Nic.instance_id == instance_id, Nic.removed.is_(None))
        .order_by(Nic.device_id)
    ).all()
    return [(nic, network) for nic, network in rows]


def _pod_nics(
    session: Session, instance_id: int, rows: list[tuple[Nic, Network]] | None
) -> list[tuple[Nic, Network]]:
    """The instance's live NICs on pod-addressed (Basic zone, no CIDR) shared networks."""
    if rows is None:
        rows = vm_nics(session, instance_id)
    return [(n, net) for n, net in rows if net.cidr is None and net.guest_type == "Shared"]


def pinned_pod(
    session: Session, instance_id: int, rows: list[tuple[Nic, Network]] | None = None
) -> int | None:
    """The pod a VM must run in because a Basic-zone NIC holds one of its addresses.

    ``rows``: the VM's ``vm_nics``, when the caller has them already.
    """
    for nic, network in _pod_nics(session, instance_id, rows):
        for vlan in pod_ranges(session, network):
            if nic.ip4_address and _in(vlan, nic.ip4_address):
                return vlan.pod_id
    return None


def assign_pod_addresses(
    session: Session, instance_id: int, pod_id: int, rows: list[tuple[Nic, Network]] | None = None
) -> None:
    """Every pod-addressed NIC of the instance gets (or keeps) an address in ``pod_id``."""
    for nic, network in _pod_nics(session, instance_id, rows):
        assign_pod_address(session, nic, network, pod_id)


def check_in_range(network: Network, ip: str) -> None:
    """431 unless ``ip`` is an allocatable address of the network (not its gateway)."""
    start, end = address_range(network)
    try:
        value = int(ipaddress.IPv4Address(ip))
    except ValueError:
        raise InvalidParameter(f"Invalid IP address {ip}") from None
    if not int(start) <= value <= int(end) or ip == network.gateway:
        raise InvalidParameter(
            f"IP address {ip} is outside network {network.name}'s range {start}-{end}"
        )


def take_address(session: Session, network: Network, nic_id: int, ip: str | None) -> str:
    """Hold ``ip`` (or the next free address) of the network's range for the NIC.

    The path of a secondary IP; 431 for a requested address that is taken or
    outside the range, 533 when the range is exhausted.
    """
    if ip is not None:
        check_in_range(network, ip)
        if not claim(session, network.id, ip, nic_id):
            raise InvalidParameter(f"IP address {ip} is already in use on network {network.name}")
        return ip
    candidates = free_addresses(network, used_addresses(session, network.id))
    for collisions, candidate in enumerate(candidates):
        if collisions > MAX_COLLISIONS:
            break
        if claim(session, network.id, candidate, nic_id):
            return candidate
    raise InsufficientCapacity(f"Network {network.name} has no free IP address left in its range")


def readdress(session: Session, nic: Nic, network: Network, ip: str | None) -> None:
    """Move a NIC to ``ip`` (or the next free address) of its CIDR network, in place."""
    if ip is not None:
        check_in_range(network, ip)
        if ip == nic.ip4_address:
            return
        candidates: Iterable[str] = [ip]
    else:
        candidates = free_addresses(network, used_addresses(session, network.id))
    for collisions, candidate in enumerate(candidates):
        if collisions > MAX_COLLISIONS:
            break
        if _set_address(session, nic, candidate):
            return
    if ip is not None:
        raise InvalidParameter(f"IP address {ip} is already in use on network {network.name}")
    raise InsufficientCapacity(f"Network {network.name} has no free IP address left in its range")


def in_pod_range(session: Session, vlan: Vlan) -> int:
    """Live NICs holding an address of a pod guest range (Basic zones)."""
    if vlan.pod_id is None or vlan.vlan_type != "DirectAttached":
        return 0
    addresses = session.execute(
        select(Nic.ip4_address)
        .join(Network, Network.id == Nic.network_id)
        .where(
            Network.zone_id == vlan.zone_id,
            Network.cidr.is_(None),
            Nic.removed.is_(None),
            Nic.ip4_address.is_not(None),
        )
    ).scalars()
    return sum(1 for ip in addresses if ip and _in(vlan, ip))
