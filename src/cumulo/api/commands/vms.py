"""Virtual machine commands (§6.7): deploy and the power lifecycle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.vm import vm_items
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.network import Network
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.errors import CumuloError, InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobInterrupted, JobRun
from cumulo.services import security_groups
from cumulo.services.infra_common import live
from cumulo.services.resource_owner import resolve_owner
from cumulo.services.vms import credentials, deploy, power, removal, start
from cumulo.services.vms.common import vm_of

S, U, B, L = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN, ParamType.LONG
VM_ID = Param("id", U, required=True, entity="VMInstance", description="The ID of the VM")
VM = {
    "object_name": "virtualmachine",
    "response_class": "UserVmResponse",
    "instance_type": "VirtualMachine",
    "roles": ALL_ROLES,
}


def vm_result(session: Session, caller: Caller, vm_id: int) -> ObjectResult:
    return ObjectResult(vm_items(session, [vm_of(session, vm_id)], caller)[0])


def result_tx(job: JobRun, vm_id: int) -> ObjectResult:
    return job.transaction(lambda s: vm_result(s, job.caller, vm_id), idempotent=True)


def with_password(job: JobRun, vm_id: int) -> ObjectResult:
    """The VM, plus its new password when its template is password-enabled (CloudStack
    returns it once, in the response of the command that set it)."""
    return job.transaction(lambda s: answer_with_password(s, job, vm_id), idempotent=True)


def answer_with_password(s: Session, job: JobRun, vm_id: int) -> ObjectResult:
    """``with_password`` inside a transaction the caller already has."""
    view = vm_result(s, job.caller, vm_id)
    vm = vm_of(s, vm_id)
    if vm.password is None or not credentials.password_enabled(s, vm):
        return view
    return ObjectResult({**view.fields, "password": job.runtime.secrets.open(vm.password)})


def owned_vm(call: Call, vm: VMInstance) -> VMInstance:
    """The caller may act on the VM: its owner, an admin above it (§ access rules)."""
    live(vm, "virtual machine")
    if vm.vm_type != VmType.USER:
        raise InvalidParameter(f"Unable to find a user VM with id {vm.uuid}")
    caller = call.caller
    if vm.account_id == caller.account_id:
        return vm
    if caller.is_admin and caller.can_see_domain_path(vm.domain_path):
        return vm
    from cumulo.db.models.project import Project
    from cumulo.services import projects

    if vm.project_id is not None:
        project = call.db.get(Project, vm.project_id)
        if project is not None:
            projects.check_read(call.db, caller, project)
            return vm
    raise PermissionDenied(f"Account {caller.account_name} may not act on VM {vm.uuid}")


_DEPLOY_PARAMS = [
    Param("zoneid", U, required=True, entity="Zone", description="availability zone"),
    Param(
        "serviceofferingid",
        U,
        required=True,
        entity="ServiceOffering",
        description="the ID of the service offering",
    ),
    Param("templateid", U, entity="VMTemplate", description="the ID of the template"),
    Param(
        "networkids",
        ParamType.LIST,
        collection=U,
        entity="Network",
        description="list of network ids used by the virtual machine",
    ),
    Param("ipaddress", S, description="the ip address for the default network"),
    Param("iptonetworklist", ParamType.MAP, description="ip to network mapping"),
    Param("keypair", S, description="name of the ssh key pair"),
    Param("keypairs", ParamType.LIST, collection=S, since="4.17", description="ssh key pair names"),
    Param("userdata", S, length=1048576, description="base64 user data"),
    Param(
        "affinitygroupids",
        ParamType.LIST,
        collection=U,
        entity="AffinityGroup",
        description="affinity group ids",
    ),
    Param(
        "affinitygroupnames",
        ParamType.LIST,
        collection=S,
        entity="AffinityGroup",
        description="affinity group names",
    ),
    Param("hostid", U, entity="Host", description="destination host (root admin)"),
    Param("podid", U, since="4.13", entity="Pod", description="destination pod (root admin)"),
    Param(
        "clusterid", U, since="4.13", entity="Cluster", description="destination cluster (admin)"
    ),
    Param("startvm", B, description="true by default: start the VM after creating it"),
    Param("diskofferingid", U, entity="DiskOffering", description="data disk offering"),
    Param("size", L, description="data disk size in GiB for a custom disk offering"),
    Param("rootdisksize", L, since="4.4", description="root disk size in GiB"),
    Param("details", ParamType.MAP, since="4.3", description="cpuNumber, cpuSpeed, memory"),
    Param("name", S, description="host name of the virtual machine"),
    Param("displayname", S, description="display name of the virtual machine"),
    Param("group", S, description="an optional group for the virtual machine"),
    Param("displayvm", B, since="4.2", description="whether to show the VM to the end user"),
    Param("account", S, description="owner account; must be used with domainid"),
    Param("domainid", U, entity="Domain", description="owner domain"),
    Param("projectid", U, entity="Project", description="owner project"),
    Param(
        "securitygroupids",
        ParamType.LIST,
        collection=U,
        entity="SecurityGroup",
        description="security groups the VM joins (zones with security groups)",
    ),
    Param(
        "securitygroupnames",
        ParamType.LIST,
        collection=S,
        entity="SecurityGroup",
        description="security group names the VM joins (zones with security groups)",
    ),
]


def _networks(
    call: Call, args: Args, owner: Any, zone: Any
) -> tuple[list[Network], dict[int, str]]:
    networks: list[Network] = list(args.networkids or [])
    if zone.network_type == "Basic" and (networks or args.iptonetworklist):
        raise InvalidParameter("Can't specify network Ids in Basic zone")
    ips: dict[int, str] = {}
    for entry in (args.iptonetworklist or {}).values():
        net_uuid = entry.get("networkid")
        net = call.db.execute(select(Network).where(Network.uuid == net_uuid)).scalar()
        if net is None:
            raise InvalidParameter(f"iptonetworklist: unknown network {net_uuid}")
        if net not in networks:
            networks.append(net)
        if entry.get("ip"):
            ips[net.id] = entry["ip"]
    if not networks:
        networks = deploy.default_networks(call.db, owner, zone)
    for net in networks:
        deploy.check_network(owner, net, zone)
    if args.ipaddress:
        ips[networks[0].id] = args.ipaddress
    return networks, ips


def _affinity(call: Call, args: Args, owner: Any) -> list[AffinityGroup]:
    groups: list[AffinityGroup] = list(args.affinitygroupids or [])
    for name in args.affinitygroupnames or []:
        group = call.db.execute(
            select(AffinityGroup).where(
                AffinityGroup.name == name, AffinityGroup.account_id == owner.account_id
            )
        ).scalar()
        if group is None:
            raise InvalidParameter(f"Unable to find affinity group {name}")
        groups.append(group)
    return groups


def _explicit(call: Call, args: Args) -> dict[str, Any]:
    given = {k: getattr(args, k) for k in ("hostid", "podid", "clusterid")}
    if any(given.values()) and not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin may choose hostid, podid or clusterid")
    return {f"{k[:-2]}_id": live(v, k[:-2]).id for k, v in given.items() if v is not None}


# Resumable: a surviving node undoes what the dead node's run reserved (or
# started) and starts the VM again; a start the dead node finished is kept.
@command(
    "deployVirtualMachine",
    params=_DEPLOY_PARAMS,
    kind=Kind.ASYNC_CREATE,
    resumable=True,
    **VM,  # type: ignore[arg-type]
)
def deploy_vm(call: Call, args: Args) -> Enqueue:
    """Creates and automatically starts a virtual machine based on a service offering, disk
    offering, and template."""
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    zone = live(args.zoneid, "zone")
    if zone.allocation_state != "Enabled" and not call.caller.is_root_admin:
        raise PermissionDenied(f"Zone {zone.name} is disabled; only a root admin may deploy there")
    if args.templateid is None:
        raise InvalidParameter("templateid is required (deploying from an ISO is not supported)")
    deploy.check_offering(args.serviceofferingid)
    deploy.check_template(call.db, call.caller, owner, args.templateid, zone)
    disk = args.diskofferingid
    if disk is not None:
        live(disk, "disk offering")
    networks, ips = _networks(call, args, owner, zone)
    keypairs = list(args.keypairs or []) + ([args.keypair] if args.keypair else [])
    req = deploy.DeployRequest(
        zone=zone,
        offering=args.serviceofferingid,
        template=args.templateid,
        networks=networks,
        ips=ips,
        disk_offering=disk,
        size_gib=args.size,
        root_size_gib=args.rootdisksize,
        details=deploy.flatten(args.details),
        name=args.name,
        display_name=args.displayname,
        group=args.group,
        keypairs=keypairs,
        userdata=args.userdata,
        affinity_groups=_affinity(call, args, owner),
        display_vm=args.displayvm if args.displayvm is not None else True,
        security_groups=security_groups.for_deploy(
            call.db,
            owner,
            zone.security_group_enabled,
            list(args.securitygroupids or []),
            list(args.securitygroupnames or []),
        ),
    )
    explicit = _explicit(call, args)
    vm = deploy.create(call.db, call.runtime.config, call.caller, owner, req)
    credentials.set_new_password(call.db, vm, call.runtime.secrets)
    startvm = args.startvm if args.startvm is not None else True
    return Enqueue({"vm_id": vm.id, "start": startvm, "explicit": explicit}, instance_uuid=vm.uuid)


@deploy_vm.execute
def _deploy_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    if payload.get("start", True):
        try:
            answer: ObjectResult | None = start.start(
                job.transaction,
                job.runtime.config,
                job.caller,
                vm_id,
                deploy=True,
                explicit=payload.get("explicit") or {},
                resumed=job.attempt > 1,
                result=lambda s: answer_with_password(s, job, vm_id),
                complete=job.complete,
            )
        except (JobInterrupted, CumuloError):
            raise  # handed over, or already cleaned up (no capacity)
        except Exception as exc:
            # Unexpected (e.g. the database unreachable): the new VM must not keep
            # its charges in Stopped/Starting.
            try:
                job.transaction(lambda s: start.abandon_deploy(s, job.caller, vm_id))
            except Exception as cleanup:
                # Not even that: hand the job over (its lease lapses) rather than
                # end it with the VM stuck; a later run resumes or compensates it.
                raise JobInterrupted(
                    f"deploy of VM {vm_id} failed ({exc!r}) and could not be undone "
                    f"({cleanup!r}); left to a later run"
                ) from exc
            raise
        if answer is not None:
            return answer
    return with_password(job, vm_id)


@deploy_vm.compensate
def _abandon_deploy(job: JobRun, payload: dict[str, Any]) -> str:
    """Interrupted too often: the VM goes to Error with everything released."""
    vm_id = int(payload["vm_id"])
    return job.transaction(lambda s: start.abandon_deploy(s, job.caller, vm_id))


@command(
    "startVirtualMachine",
    params=[
        VM_ID,
        Param("hostid", U, entity="Host", description="destination host (root admin)"),
        Param("podid", U, entity="Pod", description="destination pod (root admin)"),
        Param("clusterid", U, entity="Cluster", description="destination cluster (root admin)"),
    ],
    kind=Kind.ASYNC,
    **VM,  # type: ignore[arg-type]
)
def start_vm(call: Call, args: Args) -> Enqueue:
    """Starts a virtual machine."""
    vm = owned_vm(call, args.id)
    if vm.state == "Running":
        raise InvalidParameter(f"VM {vm.name} is already Running")
    if vm.state != "Stopped":
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Stopped VM can be started")
    start.check_volumes_settled(call.db, vm)
    return Enqueue({"vm_id": vm.id, "explicit": _explicit(call, args)}, instance_uuid=vm.uuid)


@start_vm.execute
def _start_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    answer = start.start(
        job.transaction,
        job.runtime.config,
        job.caller,
        vm_id,
        deploy=False,
        explicit=payload.get("explicit") or {},
        result=lambda s: vm_result(s, job.caller, vm_id),
        complete=job.complete,
    )
    return answer if answer is not None else result_tx(job, vm_id)


@command(
    "stopVirtualMachine",
    params=[
        VM_ID,
        Param(
            "forced",
            B,
            description="Force stop the VM: it is marked Stopped even when the host cannot be told",
        ),
    ],
    kind=Kind.ASYNC,
    **VM,  # type: ignore[arg-type]
)
def stop_vm(call: Call, args: Args) -> Enqueue:
    """Stops a virtual machine."""
    vm = owned_vm(call, args.id)
    if vm.state != "Running":
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can be stopped")
    return Enqueue({"vm_id": vm.id, "forced": bool(args.forced)}, instance_uuid=vm.uuid)


@stop_vm.execute
def _stop_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    power.stop(job.transaction, job.caller, vm_id, forced=bool(payload.get("forced")))
    return result_tx(job, vm_id)


@command("rebootVirtualMachine", params=[VM_ID], kind=Kind.ASYNC, **VM)  # type: ignore[arg-type]
def reboot_vm(call: Call, args: Args) -> Enqueue:
    """Reboots a virtual machine."""
    vm = owned_vm(call, args.id)
    if vm.state != "Running":
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can reboot")
    return Enqueue({"vm_id": vm.id}, instance_uuid=vm.uuid)


@reboot_vm.execute
def _reboot_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    power.reboot(job.transaction, job.caller, vm_id)
    return result_tx(job, vm_id)


def _may_expunge(call: Call) -> None:
    if not call.caller.is_admin and not call.runtime.config.get_bool(
        "allow.user.expunge.recover.vm"
    ):
        raise PermissionDenied(
            "Parameter expunge can be passed by Admin only. Or when the "
            "allow.user.expunge.recover.vm key is set."
        )


@command(
    "destroyVirtualMachine",
    params=[
        VM_ID,
        Param("expunge", B, since="4.2.1", description="expunge the VM immediately"),
        Param(
            "volumeids",
            ParamType.LIST,
            collection=U,
            entity="Volume",
            since="4.12.0",
            description="data volumes to destroy with the VM",
        ),
    ],
    kind=Kind.ASYNC,
    **VM,  # type: ignore[arg-type]
)
def destroy_vm(call: Call, args: Args) -> Enqueue:
    """Destroys a virtual machine."""
    vm = owned_vm(call, args.id)
    if args.expunge:
        _may_expunge(call)
    # As CloudStack, expunge=true also finishes a VM that is already Destroyed
    # (Ansible's cs_instance state=expunged does exactly that).
    allowed = ("Running", "Stopped", "Error", *(("Destroyed",) if args.expunge else ()))
    if vm.state not in allowed:
        raise InvalidParameter(f"VM {vm.name} is {vm.state} and cannot be destroyed now")
    return Enqueue({"vm_id": vm.id, "expunge": bool(args.expunge)}, instance_uuid=vm.uuid)


@destroy_vm.execute
def _destroy_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id = int(payload["vm_id"])
    state = job.transaction(lambda s: vm_of(s, vm_id).state)
    if state in ("Running", "Stopping"):
        power.stop(job.transaction, job.caller, vm_id, forced=True)
    state = job.transaction(lambda s: vm_of(s, vm_id).state)
    if state != "Destroyed" and state != "Expunging":
        job.transaction(lambda s: removal.destroy(s, job.caller, vm_id))
    view = result_tx(job, vm_id)
    if payload.get("expunge"):
        removal.expunge(job.transaction, job.caller, vm_id)
        view = ObjectResult({**view.fields, "state": "Expunging"})
    return view


@command("recoverVirtualMachine", params=[VM_ID], **VM)  # type: ignore[arg-type]
def recover_vm(call: Call, args: Args) -> ObjectResult:
    """Recovers a virtual machine."""
    vm = owned_vm(call, args.id)
    _may_expunge(call)
    removal.recover(call.db, call.runtime.config, call.caller, vm)
    return vm_result(call.db, call.caller, vm.id)


@command(
    "expungeVirtualMachine",
    params=[VM_ID],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="VirtualMachine",
    response_class="SuccessResponse",
)
def expunge_vm(call: Call, args: Args) -> Enqueue:
    """Expunge a virtual machine. Once expunged, it cannot be recoverd."""
    vm = owned_vm(call, args.id)
    _may_expunge(call)
    if vm.state not in ("Destroyed", "Expunging"):
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; destroy it before expunging it")
    return Enqueue({"vm_id": vm.id}, instance_uuid=vm.uuid)


@expunge_vm.execute
def _expunge_vm(job: JobRun, payload: dict[str, Any]) -> Any:
    from cumulo.api.results import SuccessResult

    removal.expunge(job.transaction, job.caller, int(payload["vm_id"]))
    return SuccessResult()


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
deploy_vm.not_supported(
    Param("bootintosetup", ParamType.BOOLEAN, since="4.15.0.0"),
    Param("bootmode", ParamType.STRING, since="4.14.0.0"),
    Param("boottype", ParamType.STRING, since="4.14.0.0"),
    Param("copyimagetags", ParamType.BOOLEAN, since="4.13"),
    Param("customid", ParamType.STRING),
    Param("datadiskofferinglist", ParamType.MAP, since="4.11"),
    Param("datadisksdetails", ParamType.MAP, since="4.21.0"),
    Param("deploymentplanner", ParamType.STRING, since="4.4"),
    Param("dhcpoptionsnetworklist", ParamType.MAP),
    Param("dynamicscalingenabled", ParamType.BOOLEAN, since="4.16"),
    Param("externaldetails", ParamType.MAP, since="4.21.0"),
    Param("extraconfig", ParamType.STRING, length=5120, since="4.12"),
    Param("hypervisor", ParamType.STRING),
    Param("iodriverpolicy", ParamType.STRING),
    Param("iothreadsenabled", ParamType.BOOLEAN),
    Param("ip6address", ParamType.STRING),
    Param("keyboard", ParamType.STRING),
    Param("leaseduration", ParamType.INTEGER, since="4.21.0"),
    Param("leaseexpiryaction", ParamType.STRING, since="4.21.0"),
    Param("macaddress", ParamType.STRING),
    Param("nicmultiqueuenumber", ParamType.INTEGER, since="4.18"),
    Param("nicnetworklist", ParamType.MAP, since="4.15"),
    Param("nicpackedvirtqueuesenabled", ParamType.BOOLEAN, since="4.18"),
    Param("overridediskofferingid", ParamType.UUID, since="4.17"),
    Param("password", ParamType.STRING, since="4.19.0.0"),
    Param("properties", ParamType.MAP, since="4.15"),
    Param("snapshotid", ParamType.UUID, since="4.21"),
    Param("userdatadetails", ParamType.MAP, since="4.18"),
    Param("userdataid", ParamType.UUID, since="4.18"),
    Param("volumeid", ParamType.UUID, since="4.21"),
)
reboot_vm.not_supported(
    Param("bootintosetup", ParamType.BOOLEAN, since="4.15.0.0"),
    Param("forced", ParamType.BOOLEAN, since="4.16.0"),
)
start_vm.not_supported(
    Param("bootintosetup", ParamType.BOOLEAN, since="4.15.0.0"),
    Param("considerlasthost", ParamType.BOOLEAN, since="4.18.0"),
    Param("deploymentplanner", ParamType.STRING, since="4.4"),
)
