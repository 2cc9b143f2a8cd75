"""A VM's NICs after deployment: add, remove, change the default, change an address.

Validation and the address reservation happen in the handler's transaction
(so a refusal leaves nothing). The job plugs or unplugs the NIC on the host
of a running VM; a refused plug removes the NIC again in one transaction,
giving its address back. Plugging and unplugging are idempotent on the host,
so an adopted job simply runs again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.network_rule import LbVmMap, NetworkRule
from cumulo.db.models.nic import Nic
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_PLUG_NIC, COMMAND_UNPLUG_NIC, NicSpec
from cumulo.errors import InvalidParameter, OperationFailed
from cumulo.services import network_offerings, nics, simulator_mocks
from cumulo.services.infra_common import must_get
from cumulo.services.resource_owner import owner_of_account
from cumulo.services.states import vm as vm_states
from cumulo.services.vms.common import Tx, vm_event, vm_of
from cumulo.services.vms.deploy import check_network
from cumulo.services.vms.start import _mj, _mock, nic_spec_json

STABLE = (vm_states.RUNNING, vm_states.STOPPED)


def _check_vm(session: Session, vm: VMInstance, what: str) -> Zone:
    zone = must_get(session, Zone, vm.zone_id)
    if zone.network_type == "Basic":
        raise InvalidParameter(
            f"Zone {zone.name} has a NetworkType of Basic. Can't {what} on a Basic Network"
        )
    if vm.state not in STABLE:
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; NICs can be changed only when it is Running or Stopped"
        )
    return zone


def nic_of(session: Session, vm: VMInstance, nic: Nic) -> Nic:
    if nic.removed is not None or nic.instance_id != vm.id:
        raise InvalidParameter(f"NIC {nic.uuid} is not a NIC of VM {vm.name}")
    return nic


def add(
    session: Session,
    caller: Caller,
    vm: VMInstance,
    network: Network,
    ip: str | None,
    mac: str | None,
) -> Nic:
    """Validate and reserve a new NIC (address and MAC) for the VM on ``network``."""
    zone = _check_vm(session, vm, "add a new NIC to a VM")
    if network.removed is not None:
        raise InvalidParameter(f"Network {network.uuid} has been removed")
    if network.traffic_type != "Guest":
        raise InvalidParameter(f"Network {network.name} is not a guest network")
    check_network(owner_of_account(session, vm.account_id), network, zone)
    live = session.execute(
        select(Nic).where(Nic.instance_id == vm.id, Nic.removed.is_(None))
    ).scalars()
    mine = list(live)
    if any(n.network_id == network.id for n in mine):
        raise InvalidParameter(
            f"A NIC already exists for VM {vm.instance_name} in network {network.uuid}"
        )
    namesake = session.execute(
        select(VMInstance.id)
        .join(Nic, Nic.instance_id == VMInstance.id)
        .where(
            Nic.network_id == network.id,
            Nic.removed.is_(None),
            VMInstance.name == vm.name,
            VMInstance.vm_type == VmType.USER,
            VMInstance.id != vm.id,
        )
        .limit(1)
    ).first()
    if namesake is not None:
        raise InvalidParameter(f"Network {network.name} already has a VM with host name {vm.name}")
    device = max((n.device_id for n in mine), default=-1) + 1
    nic = nics.allocate_nic(
        session,
        network,
        vm.id,
        ip=ip,
        mac=nics.checked_mac(mac) if mac else None,
        device_id=device,
    )
    nic.state = "Allocated"
    vm_event(session, caller, vm, "NIC.CREATE", f"Added a NIC on network {network.name}")
    return nic


def _host_call(session: Session, vm: VMInstance, command: str) -> dict[str, Any] | None:
    """Where a running VM's NIC change goes; None for a stopped VM (nothing to tell)."""
    if vm.state == vm_states.STOPPED:
        return None
    host = session.get(Host, vm.host_id) if vm.host_id is not None else None
    if vm.state != vm_states.RUNNING or host is None:
        raise OperationFailed(f"VM {vm.name} is {vm.state}; retry when it is Running or Stopped")
    return {
        "guid": host.guid,
        "hypervisor": host.hypervisor or "Simulator",
        "vm": vm.instance_name,
        "mock": _mj(simulator_mocks.take(session, command, host)),
    }


def _discard(session: Session, caller: Caller, nic_id: int, why: str) -> None:
    nic = must_get(session, Nic, nic_id)
    nics.release_nic(session, nic)
    vm = vm_of(session, nic.instance_id)
    vm_event(session, caller, vm, "NIC.CREATE", f"Failed to add a NIC ({why})", "ERROR")


def plug(tx: Tx[Any], caller: Caller, nic_id: int) -> int:
    """The job of addNicToVirtualMachine; the VM id. A refusal gives the NIC back."""

    def target(s: Session) -> tuple[int, dict[str, Any] | None]:
        nic = must_get(s, Nic, nic_id)
        if nic.removed is not None:
            raise OperationFailed("The NIC was removed before it could be plugged")
        vm = vm_of(s, nic.instance_id)
        try:
            call = _host_call(s, vm, COMMAND_PLUG_NIC)
        except OperationFailed as exc:
            _discard(s, caller, nic_id, str(exc))
            return vm.id, {"error": str(exc)}
        if call is not None:
            call["nic"] = nic_spec_json(s, nic)
        return vm.id, call

    vm_id: int
    call: dict[str, Any] | None
    vm_id, call = tx(target)
    if call is not None and "error" in call:
        raise OperationFailed(f"Unable to add the NIC: {call['error']}")
    if call is not None:
        driver = registry.driver_for(call["hypervisor"])
        answer = driver.plug_nic(
            call["guid"], call["vm"], NicSpec(**call["nic"]), _mock(call["mock"])
        )
        if not answer.ok:
            tx(lambda s: _discard(s, caller, nic_id, answer.details or "the host refused"))
            raise OperationFailed(
                f"Unable to add the NIC: the host refused to plug it ({answer.details}); "
                "its address was released"
            )

    def done(s: Session) -> None:
        nic = must_get(s, Nic, nic_id)
        nic.state = "Reserved" if call is not None else "Allocated"

    tx(done)
    from cumulo.services import sg_rules

    sg_rules.push_for_vm(tx, caller, vm_id)
    return vm_id


def check_removable(session: Session, vm: VMInstance, nic: Nic) -> None:
    _check_vm(session, vm, "remove a NIC from a VM")
    nic_of(session, vm, nic)
    if nic.is_default:
        raise InvalidParameter(
            f"Unable to remove NIC {nic.uuid} from VM {vm.name}: it is the default NIC; "
            "make another NIC the default first"
        )
    rules = session.execute(
        select(func.count())
        .select_from(NetworkRule)
        .where(NetworkRule.network_id == nic.network_id, NetworkRule.vm_id == vm.id)
    ).scalar_one()
    balanced = session.execute(
        select(func.count())
        .select_from(LbVmMap)
        .join(NetworkRule, NetworkRule.id == LbVmMap.rule_id)
        .where(LbVmMap.vm_id == vm.id, NetworkRule.network_id == nic.network_id)
    ).scalar_one()
    nat = session.execute(
        select(func.count())
        .select_from(PublicIp)
        .where(
            PublicIp.static_nat_vm_id == vm.id,
            PublicIp.network_id == nic.network_id,
            PublicIp.removed.is_(None),
        )
    ).scalar_one()
    if rules or balanced or nat:
        raise InvalidParameter(
            f"Unable to remove NIC {nic.uuid} from VM {vm.name}: it has port forwarding, "
            "load balancer or static NAT rules; delete them first"
        )
    claimed = session.execute(
        update(Nic)
        .where(Nic.id == nic.id, Nic.removed.is_(None), Nic.state != "Releasing")
        .values(state="Releasing")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidParameter(f"NIC {nic.uuid} is already being removed")


def unplug(tx: Tx[Any], caller: Caller, nic_id: int) -> int:
    """The job of removeNicFromVirtualMachine; the VM id."""

    def target(s: Session) -> tuple[int, dict[str, Any] | None, str]:
        nic = must_get(s, Nic, nic_id)
        vm = vm_of(s, nic.instance_id)
        if nic.removed is not None:
            return vm.id, None, nic.mac_address
        return vm.id, _host_call(s, vm, COMMAND_UNPLUG_NIC), nic.mac_address

    vm_id: int
    try:
        vm_id, call, mac = tx(target)
    except OperationFailed:
        tx(lambda s: _unclaim(s, nic_id))
        raise
    if call is not None:
        driver = registry.driver_for(call["hypervisor"])
        answer = driver.unplug_nic(call["guid"], call["vm"], mac, _mock(call["mock"]))
        if not answer.ok:
            tx(lambda s: _unclaim(s, nic_id))
            raise OperationFailed(
                f"Unable to remove the NIC: the host refused to unplug it ({answer.details}); "
                "the NIC is still attached"
            )

    def release(s: Session) -> None:
        nic = must_get(s, Nic, nic_id)
        if nic.removed is None:
            nics.release_nic(s, nic)
            network = s.get(Network, nic.network_id)
            vm = vm_of(s, vm_id)
            where = network.name if network else nic.network_id
            vm_event(s, caller, vm, "NIC.DELETE", f"Removed the NIC on network {where}")

    tx(release)
    return vm_id


def _unclaim(session: Session, nic_id: int) -> None:
    nic = must_get(session, Nic, nic_id)
    if nic.removed is None and nic.state == "Releasing":
        nic.state = "Reserved"


def check_default(session: Session, vm: VMInstance, nic: Nic) -> None:
    _check_vm(session, vm, "change the default NIC")
    nic_of(session, vm, nic)
    if nic.is_default:
        raise InvalidParameter(
            "Refusing to set default NIC because chosen NIC is already the default"
        )


def make_default(session: Session, caller: Caller, nic_id: int) -> int:
    """Swap the default flag in one transaction; the VM id."""
    nic = must_get(session, Nic, nic_id)
    if nic.removed is not None:
        raise OperationFailed(f"NIC {nic.uuid} was removed meanwhile")
    vm = vm_of(session, nic.instance_id)
    if not nic.is_default:
        session.execute(
            update(Nic)
            .where(Nic.instance_id == vm.id, Nic.removed.is_(None), Nic.id != nic.id)
            .values(is_default=False)
        )
        nic.is_default = True
        network = session.get(Network, nic.network_id)
        where = network.name if network else nic.network_id
        vm_event(session, caller, vm, "NIC.UPDATE", f"Default NIC now on network {where}")
    return vm.id


def change_address(
    session: Session, caller: Caller, vm: VMInstance, nic: Nic, ip: str | None
) -> None:
    """updateVmNicIp: a new (or the next free) address for a NIC, in place."""
    nic_of(session, vm, nic)
    if nic.instance_type != VmType.USER:
        raise InvalidParameter("The NIC does not belong to a user VM")
    network = must_get(session, Network, nic.network_id)
    if network.state not in ("Allocated", "Implemented", "Setup"):
        raise InvalidParameter(
            "Network is not in the right state to update vm nic ip. Correct states are: "
            "Allocated, Implemented, Setup"
        )
    if network.guest_type == "L2":
        raise InvalidParameter("UpdateVmNicIpCmd is not supported in L2 network")
    offering = session.get(NetworkOffering, network.network_offering_id)
    has_services = offering is not None and bool(
        network_offerings.services_of(session, offering).providers
    )
    if has_services and vm.state != vm_states.STOPPED:
        raise InvalidParameter(
            "VM is not Stopped, unable to update the vm nic having the specified id"
        )
    old = nic.ip4_address
    if network.cidr is None:
        pod = vm.pod_id or nics.pinned_pod(session, vm.id)
        if pod is None:
            raise InvalidParameter(
                "vm pod id is null in Basic zone; can't decide the range for ip allocation"
            )
        nics.unclaim(session, nic.network_id, nic.ip4_address)
        nic.ip4_address = None
        nics.assign_pod_address(session, nic, network, pod, ip)
    else:
        nics.readdress(session, nic, network, ip)
    vm_event(
        session,
        caller,
        vm,
        "NIC.UPDATE",
        f"NIC on network {network.name}: address {old} -> {nic.ip4_address}",
    )
