"""Public IP addresses: allocation from a zone's public ranges, release.

Free addresses are the zone's public (VirtualNetwork) ranges minus the live
``public_ip`` rows. The database's unique constraint is the arbiter: an
insert that loses a race fails inside a savepoint and the next candidate is
tried, so concurrent allocations on any nodes never share an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone
from cumulo.errors import InsufficientCapacity, InvalidParameter, ResourceUnavailable
from cumulo.services import events, limits, tags
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import Owner

MAX_COLLISIONS = 64


def public_ranges(session: Session, zone: Zone, account_id: int) -> list[Vlan]:
    """The zone's public ranges usable by the account: its dedicated ones first."""
    rows = session.execute(
        select(Vlan)
        .where(
            Vlan.zone_id == zone.id,
            Vlan.vlan_type == "VirtualNetwork",
            Vlan.for_system_vms.is_(False),
            (Vlan.account_id.is_(None)) | (Vlan.account_id == account_id),
        )
        .order_by(Vlan.account_id.is_(None), Vlan.id)
    ).scalars()
    return list(rows)


def _candidates(ranges: list[Vlan], used: set[str]) -> Iterator[tuple[Vlan, str]]:
    for vlan in ranges:
        if not (vlan.start_ip and vlan.end_ip):
            continue
        first = int(ipaddress.IPv4Address(vlan.start_ip))
        last = int(ipaddress.IPv4Address(vlan.end_ip))
        for value in range(first, last + 1):
            address = str(ipaddress.IPv4Address(value))
            if address not in used:
                yield vlan, address


def _used(session: Session, zone_id: int) -> set[str]:
    rows = session.execute(
        select(PublicIp.address).where(PublicIp.zone_id == zone_id, PublicIp.removed.is_(None))
    )
    return set(rows.scalars())


def _insert(session: Session, ip: PublicIp) -> bool:
    try:
        with session.begin_nested():
            session.add(ip)
            session.flush()
        return True
    except IntegrityError:
        return False


def allocate(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    owner: Owner,
    zone: Zone,
    *,
    network_id: int | None = None,
    source_nat: bool = False,
    wanted: str | None = None,
) -> PublicIp:
    """Take a free public address of ``zone`` for ``owner`` (charged to its public_ip limit)."""
    ranges = public_ranges(session, zone, owner.account_id)
    if not ranges:
        raise ResourceUnavailable(
            f"Zone {zone.name} has no public IP range; add one with createVlanIpRange"
        )
    limits.consume(session, config, owner.account_id, ResourceType.PUBLIC_IP)
    used = _used(session, zone.id)
    if wanted is not None:
        candidates = [(v, a) for v, a in _candidates(ranges, used) if a == wanted]
        if not candidates:
            raise InvalidParameter(
                f"IP address {wanted} is not a free public address of zone {zone.name}"
            )
    else:
        candidates = _candidates(ranges, used)  # type: ignore[assignment]
    for collisions, (vlan, address) in enumerate(candidates):
        if collisions > MAX_COLLISIONS:
            break
        ip = PublicIp(
            zone_id=zone.id,
            vlan_id=vlan.id,
            physical_network_id=vlan.physical_network_id,
            address=address,
            network_id=network_id,
            is_source_nat=source_nat,
            state="Allocated",
            allocated=utcnow(),
            account_id=owner.account_id,
            domain_id=owner.domain_id,
            domain_path=owner.domain_path,
        )
        if _insert(session, ip):
            events.record(
                session,
                caller,
                "NET.IPASSIGN",
                f"Public IP {address} assigned",
                resource_type="IpAddress",
                resource_uuid=ip.uuid,
            )
            return ip
    raise InsufficientCapacity(
        f"Insufficient address capacity: no free public IP address left in zone {zone.name}; "
        "add a public range with createVlanIpRange or release unused addresses"
    )


def allocate_system(session: Session, zone: Zone, account_id: int, domain_id: int) -> str | None:
    """A public address for a system VM, as a row like any other allocation.

    The same unique constraint as tenants' addresses keeps the two apart;
    ranges reserved for system VMs (``forsystemvms``) go first. No limit is
    charged: the system account has none. None when the zone has no free address.
    """
    ranges = session.execute(
        select(Vlan)
        .where(
            Vlan.zone_id == zone.id,
            Vlan.vlan_type == "VirtualNetwork",
            Vlan.account_id.is_(None),
        )
        .order_by(Vlan.for_system_vms.desc(), Vlan.id)
    ).scalars()
    used = _used(session, zone.id)
    for collisions, (vlan, address) in enumerate(_candidates(list(ranges), used)):
        if collisions > MAX_COLLISIONS:
            break
        ip = PublicIp(
            zone_id=zone.id,
            vlan_id=vlan.id,
            physical_network_id=vlan.physical_network_id,
            address=address,
            is_system=True,
            state="Allocated",
            allocated=utcnow(),
            account_id=account_id,
            domain_id=domain_id,
            domain_path="/",
        )
        if _insert(session, ip):
            return address
    return None


def release_system(session: Session, zone_id: int, address: str | None) -> None:
    """Give back a system VM's public address (when the VM is expunged)."""
    if not address:
        return
    ip = session.execute(
        select(PublicIp).where(
            PublicIp.zone_id == zone_id,
            PublicIp.address == address,
            PublicIp.is_system.is_(True),
            PublicIp.removed.is_(None),
        )
    ).scalar_one_or_none()
    if ip is not None:
        ip.mark_removed()
        ip.state = "Releasing"


def release(session: Session, caller: Caller, ip: PublicIp) -> None:
    """Give the address back; its limit count goes with it."""
    ip.mark_removed()
    ip.state = "Releasing"
    ip.network_id = None
    tags.drop_all(session, "PublicIpAddress", ip.id)
    limits.release(session, ip.account_id, ResourceType.PUBLIC_IP)
    events.record(
        session,
        caller,
        "NET.IPRELEASE",
        f"Public IP {ip.address} released",
        resource_type="IpAddress",
        resource_uuid=ip.uuid,
    )


def in_range(session: Session, vlan: Vlan) -> int:
    """Allocated addresses of one public range (vlans.addresses_in_use, capacity)."""
    return session.execute(
        select(func.count())
        .select_from(PublicIp)
        .where(PublicIp.vlan_id == vlan.id, PublicIp.removed.is_(None))
    ).scalar_one()


def count_for_accounts(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(PublicIp.account_id, func.count())
        .where(PublicIp.account_id.in_(account_ids), PublicIp.removed.is_(None))
        .group_by(PublicIp.account_id)
    )
    return {account_id: n for account_id, n in rows}


limits.COUNTERS[ResourceType.PUBLIC_IP] = count_for_accounts
