"""Secondary IPs of a user VM's NIC (addIpToNic / removeIpFromNic).

An address comes from the NIC's network range through the same claim as a
primary NIC address (``nics.take_address``), so a secondary IP never
duplicates another NIC's address or another secondary IP, on any node. The
per-NIC limit (``vm.network.nic.max.secondary.ipaddresses``) is a conditional
UPDATE of ``nic.secondary_ips``. Like CloudStack, secondary guest addresses
are not charged to the public IP limit: they are guest, not public, addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.network import Network
from cumulo.db.models.network_rule import LbVmMap, NetworkRule
from cumulo.db.models.nic import Nic
from cumulo.db.models.nic_secondary_ip import NicSecondaryIp
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.errors import ConcurrentOperation, InsufficientCapacity, InvalidParameter
from cumulo.services import events, nics
from cumulo.services.configuration import ConfigStore
from cumulo.services.infra_common import must_get

LIMIT = "vm.network.nic.max.secondary.ipaddresses"
ASSIGN, UNASSIGN = "NIC.SECONDARY.IP.ASSIGN", "NIC.SECONDARY.IP.UNASSIGN"


def _usable_network(session: Session, nic: Nic) -> Network:
    network = must_get(session, Network, nic.network_id)
    if network.removed is not None:
        raise InvalidParameter(f"Network {network.uuid} of NIC {nic.uuid} was removed")
    if network.guest_type == "L2" or (network.cidr is None and network.guest_type != "Shared"):
        raise InvalidParameter(
            f"Network {network.name} has no IPv4 range to take a secondary IP from; "
            "addIpToNic works on isolated and shared networks"
        )
    return network


def _take(session: Session, vm: VMInstance, network: Network, nic: Nic, ip: str | None) -> str:
    if network.cidr is not None:
        return nics.take_address(session, network, nic.id, ip)
    # A Basic zone's shared network: addresses come from the pod the VM runs in.
    pod = vm.pod_id or nics.pinned_pod(session, vm.id)
    if pod is None:
        raise InvalidParameter(
            "vm pod id is null in Basic zone; can't decide the range for ip allocation"
        )
    return nics.take_pod_address(session, network, nic.id, pod, ip)


def _charge(session: Session, config: ConfigStore, nic: Nic) -> None:
    most = config.get_int(LIMIT)
    done = session.execute(
        update(Nic)
        .where(Nic.id == nic.id, Nic.removed.is_(None), Nic.secondary_ips < most)
        .values(secondary_ips=Nic.secondary_ips + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise InsufficientCapacity(
            f"NIC {nic.uuid} already has the maximum of {most} secondary IPs ({LIMIT}); "
            "remove one with removeIpFromNic first"
        )


def add(
    session: Session, config: ConfigStore, caller: Caller, vm: VMInstance, nic: Nic, ip: str | None
) -> NicSecondaryIp:
    """Give the NIC one more address: ``ip`` or the network's next free one."""
    if nic.removed is not None or nic.instance_id != vm.id:
        raise InvalidParameter(f"NIC {nic.uuid} is not a live NIC of a virtual machine")
    if nic.instance_type != VmType.USER:
        raise InvalidParameter(f"The NIC [{nic.uuid}] does not belong to a user VM")
    if vm.state in ("Destroyed", "Expunging"):
        raise InvalidParameter(f"Virtual machine {vm.name} is {vm.state}; recover it first")
    if ip is not None and ":" in ip:
        raise InvalidParameter("Only IPv4 secondary addresses are supported; give an IPv4 address")
    network = _usable_network(session, nic)
    _charge(session, config, nic)
    address = _take(session, vm, network, nic, ip)
    secondary = NicSecondaryIp(
        nic_id=nic.id,
        vm_id=vm.id,
        network_id=network.id,
        ip4_address=address,
        account_id=vm.account_id,
        domain_id=vm.domain_id,
        domain_path=vm.domain_path,
    )
    session.add(secondary)
    session.flush()
    events.record_for(
        session,
        caller,
        secondary,
        "NicSecondaryIp",
        ASSIGN,
        f"Assigned secondary IP {address} to the NIC of {vm.name} on network {network.name}",
    )
    return secondary


def users_of(session: Session, secondary: NicSecondaryIp) -> str | None:
    """What still forwards to the address (static NAT, port forwarding, load balancing)."""
    ip = secondary.ip4_address
    nat = session.execute(
        select(PublicIp.address).where(
            PublicIp.static_nat_vm_id == secondary.vm_id,
            PublicIp.static_nat_vm_ip == ip,
            PublicIp.is_static_nat.is_(True),
            PublicIp.removed.is_(None),
        )
    ).first()
    if nat is not None:
        return f"the static NAT of public IP address {nat[0]}; disable it with disableStaticNat"
    forwarded = session.execute(
        select(NetworkRule.uuid).where(
            NetworkRule.purpose == "PortForwarding",
            NetworkRule.vm_id == secondary.vm_id,
            NetworkRule.vm_ip == ip,
            NetworkRule.state != "Revoke",
        )
    ).first()
    if forwarded is not None:
        return f"port forwarding rule {forwarded[0]}; delete it with deletePortForwardingRule"
    balanced = session.execute(
        select(func.count())
        .select_from(LbVmMap)
        .where(LbVmMap.vm_id == secondary.vm_id, LbVmMap.vm_ip == ip, LbVmMap.state != "Revoke")
    ).scalar_one()
    if balanced:
        return "a load balancing rule; remove the VM from it first"
    return None


def remove(session: Session, caller: Caller, secondary: NicSecondaryIp) -> None:
    """Give the address back; refused (431, as CloudStack) while a rule uses it."""
    if secondary.removed is not None:
        raise InvalidParameter("Unable to find secondary ip address by id")
    used = users_of(session, secondary)
    if used is not None:
        raise InvalidParameter(
            f"Can't remove the secondary ip {secondary.ip4_address}: it is used by {used}"
        )
    _release(session, secondary)
    vm = session.get(VMInstance, secondary.vm_id)
    events.record_for(
        session,
        caller,
        secondary,
        "NicSecondaryIp",
        UNASSIGN,
        f"Removed secondary IP {secondary.ip4_address} from {vm.name if vm else 'a VM'}",
    )


def _release(session: Session, secondary: NicSecondaryIp) -> None:
    # Conditional on the version read: a rule that started using the address
    # meanwhile bumped it, and then this removal must not pass its check.
    done = session.execute(
        update(NicSecondaryIp)
        .where(
            NicSecondaryIp.id == secondary.id,
            NicSecondaryIp.removed.is_(None),
            NicSecondaryIp.version == secondary.version,
        )
        .values(removed=utcnow(), tombstone=secondary.id)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise ConcurrentOperation(
            f"Secondary IP {secondary.ip4_address} changed while it was being removed; retry"
        )
    session.expire(secondary)
    nics.unclaim(session, secondary.network_id, secondary.ip4_address)
    session.execute(
        update(Nic)
        .where(Nic.id == secondary.nic_id, Nic.secondary_ips > 0)
        .values(secondary_ips=Nic.secondary_ips - 1)
    )


def of_nics(session: Session, nic_ids: Iterable[int]) -> dict[int, list[NicSecondaryIp]]:
    """Live secondary IPs of many NICs in one query (list views)."""
    ids = list(nic_ids)
    out: dict[int, list[NicSecondaryIp]] = defaultdict(list)
    if not ids:
        return out
    rows = select(NicSecondaryIp).where(
        NicSecondaryIp.nic_id.in_(ids), NicSecondaryIp.removed.is_(None)
    )
    for row in session.execute(rows.order_by(NicSecondaryIp.id)).scalars():
        out[row.nic_id].append(row)
    return out


def guest_address(session: Session, nic: Nic, vm_ip: str | None) -> str | None:
    """The VM address a rule forwards to: the NIC's primary address, or ``vm_ip``
    when it is one of the NIC's secondary IPs (``vmguestip``)."""
    if vm_ip is None or vm_ip == nic.ip4_address:
        return nic.ip4_address
    secondary = session.execute(
        select(NicSecondaryIp).where(
            NicSecondaryIp.nic_id == nic.id,
            NicSecondaryIp.ip4_address == vm_ip,
            NicSecondaryIp.removed.is_(None),
        )
    ).scalar_one_or_none()
    if secondary is None:
        raise InvalidParameter(
            f"vmguestip {vm_ip} is neither the primary nor a secondary IP of the VM's NIC on "
            "this network; add it with addIpToNic first"
        )
    # A concurrent removeIpFromNic writes this row too; conditional, so a removal
    # committed meanwhile makes this fail instead of forwarding to a freed address.
    done = session.execute(
        update(NicSecondaryIp)
        .where(NicSecondaryIp.id == secondary.id, NicSecondaryIp.removed.is_(None))
        .values(version=NicSecondaryIp.version + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise InvalidParameter(f"Secondary IP {vm_ip} was removed meanwhile; add it again")
    return vm_ip
