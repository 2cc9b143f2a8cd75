"""NIC allocation: an address and a MAC on a network, unique under concurrency.

Shared by user VMs, virtual routers and system VMs. Free addresses are found
from the network's range minus the live NICs (and any addresses reserved by
callers); the database's unique constraints are the final arbiter, so two
deployments racing for the same address cannot both get it — the loser tries
the next one inside a savepoint.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.errors import InsufficientCapacity, InvalidParameter

MAX_COLLISIONS = 32


def new_mac() -> str:
    """A locally administered unicast MAC (02:xx:...), as CloudStack uses for guests."""
    return "02:00:" + ":".join(f"{random.randint(0, 255):02x}" for _ in range(4))


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
    rows = session.execute(
        select(Nic.ip4_address).where(
            Nic.network_id == network_id, Nic.removed.is_(None), Nic.ip4_address.is_not(None)
        )
    ).scalars()
    return {r for r in rows if r is not None}


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
) -> Nic:
    """Give the instance a NIC on ``network``; ``ip`` requests a specific address.

    Raises InvalidParameter for a requested address outside the range or in
    use, InsufficientCapacity when the range is exhausted. ``allow_gateway``
    lets a virtual router take the network's gateway address.
    """
    if ip is not None:
        start, end = address_range(network)
        inside = int(start) <= int(ipaddress.IPv4Address(ip)) <= int(end)
        if not (inside or (allow_gateway and ip == network.gateway)) or (
            ip == network.gateway and not allow_gateway
        ):
            raise InvalidParameter(
                f"IP address {ip} is outside network {network.name}'s range {start}-{end}"
            )
        nic = _insert(session, network, instance_id, instance_type, ip, is_default, device_id)
        if nic is None:
            raise InvalidParameter(f"IP address {ip} is already in use on network {network.name}")
        return nic
    used = used_addresses(session, network.id) | set(reserved)
    for collisions, candidate in enumerate(free_addresses(network, used)):
        if collisions > MAX_COLLISIONS:
            break
        nic = _insert(
            session, network, instance_id, instance_type, candidate, is_default, device_id
        )
        if nic is not None:
            return nic
    raise InsufficientCapacity(f"Network {network.name} has no free IP address left in its range")


def _insert(
    session: Session,
    network: Network,
    instance_id: int,
    instance_type: str,
    ip: str,
    is_default: bool,
    device_id: int,
) -> Nic | None:
    """Insert in a savepoint; None if the address (or, rarely, the MAC) was taken."""
    net = ipaddress.ip_network(network.cidr or f"{ip}/32", strict=False)
    for _ in range(3):
        nic = Nic(
            instance_id=instance_id,
            instance_type=instance_type,
            network_id=network.id,
            mac_address=new_mac(),
            ip4_address=ip,
            netmask=str(net.netmask),
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
            return nic
        except IntegrityError:
            taken = session.execute(
                select(Nic.id).where(
                    Nic.network_id == network.id, Nic.ip4_address == ip, Nic.removed.is_(None)
                )
            ).first()
            if taken:
                return None
            # Otherwise the random MAC collided: try another.
    return None


def release_nics(session: Session, instance_id: int) -> int:
    """Soft-delete every live NIC of an instance; their addresses become free."""
    nics = (
        session.execute(select(Nic).where(Nic.instance_id == instance_id, Nic.removed.is_(None)))
        .scalars()
        .all()
    )
    for nic in nics:
        nic.mark_removed()
        nic.state = "Deallocating"
    return len(nics)
