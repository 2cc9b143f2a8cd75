"""A VM's NICs (§6.7): add, remove, default, address, list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import VM, owned_vm, result_tx
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.nic import nic_view, secondary_ip_view
from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.db.models.nic_secondary_ip import NicSecondaryIp
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import nic_secondary_ips as secondary_ips
from cumulo.services.infra_common import must_get
from cumulo.services.vms import interfaces

S, U = ParamType.STRING, ParamType.UUID
VMID = Param(
    "virtualmachineid", U, required=True, entity="VMInstance", description="the ID of the VM"
)
NICID = Param("nicid", U, required=True, entity="Nic", description="the ID of the NIC")


@command(
    "addNicToVirtualMachine",
    params=[
        VMID,
        Param("networkid", U, required=True, entity="Network", description="network to add"),
        Param("ipaddress", S, description="IP address for the new NIC"),
        Param("macaddress", S, description="MAC address for the new NIC"),
    ],
    kind=Kind.ASYNC,
    resumable=True,
    **VM,  # type: ignore[arg-type]
)
def add_nic(call: Call, args: Args) -> Enqueue:
    """Adds VM to specified network by creating a NIC"""
    vm = owned_vm(call, args.virtualmachineid)
    nic = interfaces.add(call.db, call.caller, vm, args.networkid, args.ipaddress, args.macaddress)
    return Enqueue({"nic_id": nic.id}, instance_uuid=vm.uuid)


@add_nic.execute
def _add_nic(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = interfaces.plug(job.transaction, job.caller, int(payload["nic_id"]))
    return result_tx(job, vm_id)


# removeNic and updateDefaultNic: the same parameters, declaration and handler shape.
NIC_JOB: dict[str, Any] = {"params": [VMID, NICID], "kind": Kind.ASYNC, "resumable": True, **VM}


def _nic_job(call: Call, args: Args, check: Callable[[Session, VMInstance, Nic], None]) -> Enqueue:
    vm = owned_vm(call, args.virtualmachineid)
    check(call.db, vm, args.nicid)
    return Enqueue({"nic_id": args.nicid.id}, instance_uuid=vm.uuid)


@command("removeNicFromVirtualMachine", **NIC_JOB)
def remove_nic(call: Call, args: Args) -> Enqueue:
    """Removes VM from specified network by deleting a NIC"""
    return _nic_job(call, args, interfaces.check_removable)


@remove_nic.execute
def _remove_nic(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = interfaces.unplug(job.transaction, job.caller, int(payload["nic_id"]))
    return result_tx(job, vm_id)


@command("updateDefaultNicForVirtualMachine", **NIC_JOB)
def update_default_nic(call: Call, args: Args) -> Enqueue:
    """Changes the default NIC on a VM"""
    return _nic_job(call, args, interfaces.check_default)


@update_default_nic.execute
def _update_default_nic(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    nic_id = int(payload["nic_id"])
    vm_id = job.transaction(lambda s: interfaces.make_default(s, job.caller, nic_id))
    return result_tx(job, vm_id)


@command(
    "updateVmNicIp",
    params=[
        Param("nicid", U, required=True, entity="Nic", description="the ID of the NIC"),
        Param("ipaddress", S, description="new IP address; omitted: the next free one"),
    ],
    kind=Kind.ASYNC,
    resumable=True,
    **VM,  # type: ignore[arg-type]
)
def update_vm_nic_ip(call: Call, args: Args) -> Enqueue:
    """Update the default Ip of a VM Nic"""
    nic: Nic = args.nicid
    vm = owned_vm(call, must_get(call.db, VMInstance, nic.instance_id))
    interfaces.change_address(call.db, call.caller, vm, nic, args.ipaddress)
    return Enqueue({"vm_id": vm.id}, instance_uuid=vm.uuid)


@update_vm_nic_ip.execute
def _update_vm_nic_ip(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    from cumulo.services import sg_rules

    vm_id = int(payload["vm_id"])
    # The new address replaces the old one in every rule that names the VM's groups.
    sg_rules.push_for_vm(job.transaction, job.caller, vm_id)
    return result_tx(job, vm_id)


@command(
    "listNics",
    params=[
        VMID,
        Param("nicid", U, entity="Nic", description="the ID of the NIC"),
        Param("networkid", U, entity="Network", description="list NICs on this network"),
        Param("fordisplay", ParamType.BOOLEAN, since="4.4", description="NICs shown to users"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="nic",
    response_class="NicResponse",
)
def list_nics(call: Call, args: Args) -> ListResult:
    """list the vm nics  IP to NIC"""
    vm = owned_vm(call, args.virtualmachineid)
    stmt = select(Nic).where(Nic.instance_id == vm.id, Nic.removed.is_(None))
    if args.nicid is not None:
        stmt = stmt.where(Nic.id == args.nicid.id)
    if args.networkid is not None:
        stmt = stmt.where(Nic.network_id == args.networkid.id)
    if args.fordisplay is False:  # every NIC is displayed
        stmt = stmt.where(Nic.id.is_(None))
    rows, count = fetch_page(call.db, stmt.order_by(Nic.device_id, Nic.id), call, args)
    nics = [n for (n,) in rows]
    extra = secondary_ips.of_nics(call.db, (n.id for n in nics))
    return ListResult(
        [nic_view(n, call.db.get(Network, n.network_id), vm.uuid, extra[n.id]) for n in nics],
        count,
    )


@command(
    "addIpToNic",
    params=[
        Param("nicid", U, required=True, entity="Nic", description="the ID of the NIC"),
        Param("ipaddress", S, description="the IP to add; omitted: the network's next free one"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    resumable=True,
    object_name="nicsecondaryip",
    response_name="addiptovmnicresponse",
    instance_type="NicSecondaryIp",
    response_class="NicSecondaryIpResponse",
)
def add_ip_to_nic(call: Call, args: Args) -> Enqueue:
    """Assigns secondary IP to NIC"""
    nic: Nic = args.nicid
    vm = owned_vm(call, must_get(call.db, VMInstance, nic.instance_id))
    secondary = secondary_ips.add(
        call.db, call.runtime.config, call.caller, vm, nic, args.ipaddress
    )
    return Enqueue({"id": secondary.id}, instance_uuid=secondary.uuid)


@add_ip_to_nic.execute
def _added_ip(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    _push_groups(job, int(payload["id"]))

    def view(session: Session) -> dict[str, Any]:
        secondary = must_get(session, NicSecondaryIp, int(payload["id"]))
        nic = must_get(session, Nic, secondary.nic_id)
        vm = session.get(VMInstance, secondary.vm_id)
        network = session.get(Network, secondary.network_id)
        return secondary_ip_view(secondary, nic, network, vm.uuid if vm else None)

    return ObjectResult(job.transaction(view))


@command(
    "removeIpFromNic",
    params=[
        Param(
            "id",
            U,
            required=True,
            entity="NicSecondaryIp",
            description="the ID of the secondary IP address",
        ),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    resumable=True,
    instance_type="NicSecondaryIp",
    response_class="SuccessResponse",
)
def remove_ip_from_nic(call: Call, args: Args) -> Enqueue:
    """Removes secondary IP from the NIC."""
    secondary: NicSecondaryIp = args.id
    if secondary.removed is not None:
        raise InvalidParameter("Unable to find secondary ip address by id")
    owned_vm(call, must_get(call.db, VMInstance, secondary.vm_id))
    secondary_ips.remove(call.db, call.caller, secondary)
    return Enqueue({"id": secondary.id}, instance_uuid=secondary.uuid)


@remove_ip_from_nic.execute
def _removed_ip(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    # The handler released the address; rules naming the VM's groups drop it.
    _push_groups(job, int(payload["id"]))
    return SuccessResult()


def _push_groups(job: JobRun, secondary_id: int) -> None:
    """Security group rules that expand to the VM's addresses now (not) include it."""
    from cumulo.services import sg_rules

    vm_id = job.transaction(lambda s: must_get(s, NicSecondaryIp, secondary_id).vm_id)
    sg_rules.push_for_vm(job.transaction, job.caller, vm_id)


# CloudStack declares an owner account here; the address already names its owner.
remove_ip_from_nic.not_supported(Param("accountid", U))


# Extra DHCP options need a DHCP server that honours them: refused with 431 for now.
add_nic.not_supported(Param("dhcpoptions", ParamType.MAP))
