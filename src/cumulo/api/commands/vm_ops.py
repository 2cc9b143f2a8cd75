"""VM commands beyond power: migrate, scale, update, reset password (§6.7)."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.hosts import host_items
from cumulo.api.commands.vms import VM, owned_vm, result_tx, vm_result, with_password
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY
from cumulo.db.models.host import Host
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import instance_groups
from cumulo.services.infra_common import live
from cumulo.services.vms import deploy, migrate, resize

S, U, B = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN
VMID = Param(
    "virtualmachineid", U, required=True, entity="VMInstance", description="the ID of the VM"
)
ADMIN_VM = {**VM, "roles": ADMIN_ONLY}


@command(
    "migrateVirtualMachine",
    params=[VMID, Param("hostid", U, entity="Host", description="destination host")],
    kind=Kind.ASYNC,
    **ADMIN_VM,  # type: ignore[arg-type]
)
def migrate_vm(call: Call, args: Args) -> Enqueue:
    """Attempts Migration of a VM to a different host or Root volume of the vm to a different
    storage pool
    """
    vm = owned_vm(call, args.virtualmachineid)
    if vm.state != "Running":
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can be migrated")
    dest = live(args.hostid, "host").id if args.hostid is not None else None
    return Enqueue({"vm_id": vm.id, "dest": dest}, instance_uuid=vm.uuid)


@migrate_vm.execute
def _migrate_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    migrate.migrate(job.transaction, job.runtime.config, job.caller, vm_id, payload.get("dest"))
    return result_tx(job, vm_id)


@command(
    "findHostsForMigration",
    params=[VMID],
    object_name="host",
    response_class="HostForMigrationResponse",
    is_list=True,
)
def find_hosts(call: Call, args: Args) -> ListResult:
    """Find hosts suitable for migrating a virtual machine."""
    vm = owned_vm(call, args.virtualmachineid)
    if vm.state != "Running":
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can be migrated")
    ids = migrate.suitable_hosts(call.db, call.runtime.config, vm)
    rows = [call.db.get(Host, i) for i in ids]
    items = host_items(call.db, [h for h in rows if h is not None])
    for item in items:
        item.update(suitableformigration=True, requiresStorageMotion=False)
    return ListResult(items, len(items))


_SCALE = [
    Param("id", U, required=True, entity="VMInstance", description="The ID of the VM"),
    Param(
        "serviceofferingid", U, required=True, entity="ServiceOffering", description="new offering"
    ),
    Param("details", ParamType.MAP, description="cpuNumber, cpuSpeed, memory for custom offerings"),
]


@command(
    "scaleVirtualMachine",
    params=_SCALE,
    kind=Kind.ASYNC,
    **(VM | {"response_class": "SuccessResponse"}),  # type: ignore[arg-type]
)
def scale_vm(call: Call, args: Args) -> Enqueue:
    """Scales the virtual machine to a new service offering. This command also considers the volume
    size in the service offering or disk offering linked to the new service offering and apply
    all characteristics to the root volume.
    """
    vm = owned_vm(call, args.id)
    resize.change_offering(
        call.db,
        call.runtime.config,
        call.caller,
        vm,
        args.serviceofferingid,
        deploy.flatten(args.details),
        live=True,
    )
    return Enqueue({"vm_id": vm.id}, instance_uuid=vm.uuid)


@scale_vm.execute
def _scale_vm(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    # The offering changed in the handler's transaction; CloudStack answers success.
    return SuccessResult()


@command("changeServiceForVirtualMachine", params=_SCALE, **VM)  # type: ignore[arg-type]
def change_service(call: Call, args: Args) -> ObjectResult:
    """Changes the service offering for a virtual machine. The virtual machine must be in a
    "Stopped" state for this command to take effect.
    """
    vm = owned_vm(call, args.id)
    resize.change_offering(
        call.db,
        call.runtime.config,
        call.caller,
        vm,
        args.serviceofferingid,
        deploy.flatten(args.details),
        live=False,
    )
    return vm_result(call.db, call.caller, vm.id)


@command(
    "updateVirtualMachine",
    params=[
        Param("id", U, required=True, entity="VMInstance", description="The ID of the VM"),
        Param("name", S, since="4.4", description="new host name of the VM"),
        Param("displayname", S, description="user generated name"),
        Param("group", S, description="group of the virtual machine"),
        Param("haenable", B, description="true if high-availability is enabled"),
        Param("displayvm", B, description="whether to show the VM to the end user"),
        Param("userdata", S, length=1048576, description="base64 user data"),
        Param("ostypeid", U, entity="GuestOs", description="the ID of the OS type"),
    ],
    **VM,  # type: ignore[arg-type]
)
def update_vm(call: Call, args: Args) -> ObjectResult:
    """Updates properties of a virtual machine. The VM has to be stopped and restarted for the new
    properties to take effect. UpdateVirtualMachine does not first check whether the VM is
    stopped. Therefore, stop the VM manually before issuing this call.
    """
    vm = owned_vm(call, args.id)
    if args.name is not None:
        if not deploy.HOSTNAME.match(args.name):
            raise InvalidParameter(f"Invalid name {args.name!r}: use a valid host name")
        if vm.state != "Stopped" and args.name != vm.name:
            raise InvalidParameter(f"VM {vm.name} must be Stopped to change its name")
        vm.name = args.name
    if args.displayname is not None:
        vm.display_name = args.displayname
    if args.group is not None:
        instance_groups.assign(call.db, vm, args.group, vm.project_id)
    if args.haenable is not None:
        vm.ha_enabled = args.haenable
    if args.displayvm is not None:
        if not call.caller.is_admin:
            raise PermissionDenied("Only an admin may change displayvm")
        vm.display_vm = args.displayvm
    if args.userdata is not None:
        deploy.check_userdata(args.userdata)
        vm.user_data = args.userdata
    if args.ostypeid is not None:
        vm.guest_os_id = args.ostypeid.id
    vm.version += 1
    from cumulo.services.vms.common import vm_event

    vm_event(call.db, call.caller, vm, "VM.UPDATE", "Updated VM")
    return vm_result(call.db, call.caller, vm.id)


@command(
    "resetPasswordForVirtualMachine",
    params=[Param("id", U, required=True, entity="VMInstance", description="The ID of the VM")],
    kind=Kind.ASYNC,
    **VM,  # type: ignore[arg-type]
)
def reset_password(call: Call, args: Args) -> Enqueue:
    """Resets the password for virtual machine. The virtual machine must be in a "Stopped" state
    and the template must already support this feature for this command to take effect.
    """
    vm = owned_vm(call, args.id)
    # The password stays sealed in vm_instance.password: never clear text in the job row.
    resize.reset_password(call.db, call.caller, vm, call.runtime.secrets)
    return Enqueue({"vm_id": vm.id}, instance_uuid=vm.uuid)


@reset_password.execute
def _reset_password(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    return with_password(job, int(payload["vm_id"]))


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
change_service.not_supported(
    Param("automigrate", ParamType.BOOLEAN, since="4.17"),
    Param("maxiops", ParamType.LONG, since="4.17"),
    Param("miniops", ParamType.LONG, since="4.17"),
    Param("shrinkok", ParamType.BOOLEAN, since="4.17"),
)
migrate_vm.not_supported(
    Param("autoselect", ParamType.BOOLEAN, since="4.16.0"),
    Param("storageid", ParamType.UUID),
)
reset_password.not_supported(
    Param("password", ParamType.STRING, since="4.19.0"),
)
scale_vm.not_supported(
    Param("automigrate", ParamType.BOOLEAN, since="4.17"),
    Param("maxiops", ParamType.LONG, since="4.17"),
    Param("miniops", ParamType.LONG, since="4.17"),
    Param("shrinkok", ParamType.BOOLEAN, since="4.17"),
)
update_vm.not_supported(
    Param("cleanupdetails", ParamType.BOOLEAN),
    Param("customid", ParamType.STRING, since="4.4"),
    Param("deleteprotection", ParamType.BOOLEAN, since="4.20.0"),
    Param("details", ParamType.MAP),
    Param("dhcpoptionsnetworklist", ParamType.MAP),
    Param("extraconfig", ParamType.STRING, length=5120, since="4.12"),
    Param("instancename", ParamType.STRING, since="4.4"),
    Param("isdynamicallyscalable", ParamType.BOOLEAN),
    Param("leaseduration", ParamType.INTEGER, since="4.21.0"),
    Param("leaseexpiryaction", ParamType.STRING, since="4.21.0"),
    Param("securitygroupids", ParamType.LIST, collection=ParamType.UUID),
    Param("securitygroupnames", ParamType.LIST, collection=ParamType.STRING),
    Param("userdatadetails", ParamType.MAP, since="4.18"),
    Param("userdataid", ParamType.UUID, since="4.18"),
)
