"""System VM commands (§6.12): the secondary-storage VM and the console proxy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult
from cumulo.api.roles import ADMIN_ONLY
from cumulo.db.models.host import Host
from cumulo.db.models.pod import Pod
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import system_vm_monitor as monitor
from cumulo.services import system_vms
from cumulo.services.vms.common import vm_of

ID = Param("id", ParamType.UUID, required=True, description="The ID of the system virtual machine")


def _agent_state(vm: VMInstance) -> str | None:
    # The system VM's agent connects back once it runs; the simulated one at once.
    return "Up" if vm.state == "Running" else None


def systemvm_view(s: Session, vm: VMInstance) -> dict[str, Any]:
    zone = s.get(Zone, vm.zone_id)
    host = s.get(Host, vm.host_id) if vm.host_id else None
    pod = s.get(Pod, vm.pod_id) if vm.pod_id else None
    template = s.get(VMTemplate, vm.template_id) if vm.template_id else None
    view: dict[str, Any] = {
        "id": vm.uuid,
        "name": vm.instance_name,
        "systemvmtype": system_vms.WIRE_TYPE[vm.vm_type],
        "state": vm.state,
        "agentstate": _agent_state(vm),
        "zoneid": zone.uuid if zone else None,
        "zonename": zone.name if zone else None,
        "dns1": zone.dns1 if zone else None,
        "podid": pod.uuid if pod else None,
        "podname": pod.name if pod else None,
        "hostid": host.uuid if host else None,
        "hostname": host.name if host else None,
        "hypervisor": vm.hypervisor,
        "privateip": vm.private_ip,
        "publicip": vm.public_ip,
        "linklocalip": vm.link_local_ip,
        "gateway": pod.gateway if pod else None,
        "privatenetmask": pod.netmask if pod else None,
        "templateid": template.uuid if template else None,
        "templatename": template.name if template else None,
        "created": vm.created,
        "isdynamicallyscalable": False,
        "hasannotations": False,
    }
    if vm.vm_type == "ConsoleProxy":
        view["activeviewersessions"] = 0
    return {k: v for k, v in view.items() if v is not None}


def _vm(call: Call, value: str) -> VMInstance:
    vm = call.db.execute(
        select(VMInstance).where(
            VMInstance.uuid == value,
            VMInstance.vm_type.in_(system_vms.TYPES),
            VMInstance.removed.is_(None),
        )
    ).scalar_one_or_none()
    if vm is None:
        raise InvalidParameter(f"Unable to find system vm with id {value}")
    return vm


@command(
    "listSystemVms",
    params=[
        Param("arch", ParamType.STRING, since="4.20.1", description="CPU arch of the system VM"),
        Param("hostid", ParamType.UUID, entity="Host", description="the host ID"),
        Param("id", ParamType.UUID, description="the ID of the system VM"),
        Param("name", ParamType.STRING, description="the name of the system VM"),
        Param("podid", ParamType.UUID, entity="Pod", description="the Pod ID"),
        Param("state", ParamType.STRING, description="the state of the system VM"),
        Param(
            "storageid",
            ParamType.UUID,
            since="3.0.1",
            entity="StoragePool",
            description="the storage ID where VM's volumes belong to",
        ),
        Param(
            "systemvmtype",
            ParamType.STRING,
            description="the system VM type: consoleproxy or secondarystoragevm",
        ),
        Param("zoneid", ParamType.UUID, entity="Zone", description="the Zone ID"),
    ],
    roles=ADMIN_ONLY,
    is_list=True,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def list_system_vms(call: Call, args: Args) -> ListResult:
    """List system virtual machines."""
    stmt = select(VMInstance).where(
        VMInstance.vm_type.in_(system_vms.TYPES), VMInstance.removed.is_(None)
    )
    if args.systemvmtype:
        wanted = [k for k, v in system_vms.WIRE_TYPE.items() if v == args.systemvmtype.lower()]
        if not wanted:
            raise InvalidParameter("systemvmtype must be secondarystoragevm or consoleproxy")
        stmt = stmt.where(VMInstance.vm_type == wanted[0])
    if args.id is not None:
        stmt = stmt.where(VMInstance.uuid == args.id)
    if args.zoneid is not None:
        stmt = stmt.where(VMInstance.zone_id == args.zoneid.id)
    if args.podid is not None:
        stmt = stmt.where(VMInstance.pod_id == args.podid.id)
    if args.hostid is not None:
        stmt = stmt.where(VMInstance.host_id == args.hostid.id)
    if args.state:
        stmt = stmt.where(VMInstance.state == args.state)
    if args.name:
        stmt = stmt.where(VMInstance.instance_name == args.name)
    if args.keyword:
        stmt = stmt.where(VMInstance.instance_name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(VMInstance.id), call, args)
    return ListResult([systemvm_view(call.db, r[0]) for r in rows], count)


def _enqueue(call: Call, args: Args, **extra: Any) -> Enqueue:
    vm = _vm(call, args.id)
    return Enqueue({"id": vm.id, **extra}, instance_type="SystemVm", instance_uuid=vm.uuid)


def _result(job: JobRun, vm_id: int) -> ObjectResult:
    return ObjectResult(job.transaction(lambda s: systemvm_view(s, vm_of(s, vm_id))))


@command(
    "startSystemVm",
    params=[ID],
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def start_system_vm(call: Call, args: Args) -> Enqueue:
    """Starts a system virtual machine."""
    vm = _vm(call, args.id)
    if vm.state != "Stopped":
        raise InvalidParameter(
            f"System VM {vm.instance_name} is {vm.state}; only a Stopped one starts"
        )
    return _enqueue(call, args)


@start_system_vm.execute
def _start(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    if not monitor.start(job.transaction, int(payload["id"])):
        raise InvalidParameter("Unable to start the system VM: no Up host with enough capacity")
    return _result(job, int(payload["id"]))


@command(
    "stopSystemVm",
    params=[
        ID,
        Param("forced", ParamType.BOOLEAN, description="Force stop the VM"),
    ],
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def stop_system_vm(call: Call, args: Args) -> Enqueue:
    """Stops a system VM."""
    return _enqueue(call, args, forced=bool(args.forced))


@stop_system_vm.execute
def _stop(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    monitor.stop(job.transaction, int(payload["id"]), bool(payload.get("forced")))
    return _result(job, int(payload["id"]))


@command(
    "rebootSystemVm",
    params=[
        ID,
        Param("forced", ParamType.BOOLEAN, since="4.16.0", description="Force reboot the VM"),
    ],
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def reboot_system_vm(call: Call, args: Args) -> Enqueue:
    """Reboots a system VM."""
    vm = _vm(call, args.id)
    if vm.state != "Running":
        raise InvalidParameter(
            f"System VM {vm.instance_name} is {vm.state}; only a Running one reboots"
        )
    return _enqueue(call, args)


@reboot_system_vm.execute
def _reboot(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["id"])
    monitor.stop(job.transaction, vm_id, forced=True)
    if not monitor.start(job.transaction, vm_id):
        raise InvalidParameter("The system VM stopped but found no host to start again on")
    return _result(job, vm_id)


@command(
    "destroySystemVm",
    params=[ID],
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def destroy_system_vm(call: Call, args: Args) -> Enqueue:
    """Destroys a system virtual machine; the system creates a new one."""
    return _enqueue(call, args)


@destroy_system_vm.execute
def _destroy(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["id"])
    monitor.destroy(job.transaction, vm_id)
    return _result(job, vm_id)


@command(
    "migrateSystemVm",
    params=[
        Param("autoselect", ParamType.BOOLEAN, since="4.16.0", description="pick the host"),
        Param("hostid", ParamType.UUID, entity="Host", description="destination host ID"),
        Param(
            "storageid",
            ParamType.UUID,
            since="4.16.0",
            entity="StoragePool",
            description="destination storage pool (not supported for system VMs here)",
        ),
        Param(
            "virtualmachineid",
            ParamType.UUID,
            required=True,
            description="the ID of the virtual machine",
        ),
    ],
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def migrate_system_vm(call: Call, args: Args) -> Enqueue:
    """Attempts Migration of a system virtual machine to the host specified."""
    vm = _vm(call, args.virtualmachineid)
    if args.storageid is not None:
        raise InvalidParameter("Storage migration of system VMs is not supported; omit storageid")
    if vm.state != "Running":
        raise InvalidParameter(f"{vm.instance_name} is {vm.state}; only a Running VM migrates")
    if args.hostid is None and args.autoselect is False:
        raise InvalidParameter("Specify hostid or autoselect=true")
    dest = args.hostid.id if args.hostid is not None else None
    return Enqueue({"id": vm.id, "host": dest}, "SystemVm", vm.uuid)


@migrate_system_vm.execute
def _migrate(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    monitor.migrate(job.transaction, int(payload["id"]), payload.get("host"))
    return _result(job, int(payload["id"]))


SCALE_PARAMS = [
    Param("details", ParamType.MAP, description="custom offering details"),
    ID,
    Param(
        "serviceofferingid",
        ParamType.UUID,
        required=True,
        entity="ServiceOffering",
        description="the service offering ID to apply to the system vm",
    ),
]


@command(
    "scaleSystemVm",
    params=SCALE_PARAMS,
    roles=ADMIN_ONLY,
    kind=Kind.ASYNC,
    object_name="systemvm",
    response_name="changeserviceforsystemvmresponse",
    response_class="SystemVmResponse",
)
def scale_system_vm(call: Call, args: Args) -> Enqueue:
    """Scale the service offering for a system vm (console proxy or secondary storage)."""
    vm = _vm(call, args.id)
    system_vms.change_offering(vm, args.serviceofferingid)
    return Enqueue({"id": vm.id}, "SystemVm", vm.uuid)


@scale_system_vm.execute
def _scale(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    return _result(job, int(payload["id"]))


@command(
    "changeServiceForSystemVm",
    params=SCALE_PARAMS,
    roles=ADMIN_ONLY,
    object_name="systemvm",
    response_class="SystemVmResponse",
)
def change_service_for_system_vm(call: Call, args: Args) -> ObjectResult:
    """Changes the service offering for a system vm (console proxy or secondary storage)."""
    vm = _vm(call, args.id)
    system_vms.change_offering(vm, args.serviceofferingid)
    call.db.flush()
    return ObjectResult(systemvm_view(call.db, vm))
