"""Volume commands (§6.8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import owned_vm
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.volume import volume_items
from cumulo.db import keyword_index
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.drivers import registry
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import tags, vm_snapshots
from cumulo.services.infra_common import live
from cumulo.services.resource_owner import resolve_owner
from cumulo.services.vms.common import spec_from_json
from cumulo.services.vms.start import _mock
from cumulo.services.volumes import motion, ops

S, U, B, L = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN, ParamType.LONG
tags.register("Volume", "Volume")
VOL = {
    "object_name": "volume",
    "response_class": "VolumeResponse",
    "instance_type": "Volume",
    "roles": ALL_ROLES,
}
VOL_ID = Param("id", U, required=True, entity="Volume", description="the ID of the disk volume")


def owned_volume(call: Call, vol: Volume) -> Volume:
    live(vol, "volume")
    caller = call.caller
    if vol.account_id == caller.account_id:
        return vol
    if caller.is_admin and caller.can_see_domain_path(vol.domain_path):
        return vol
    raise PermissionDenied(f"Account {caller.account_name} may not act on volume {vol.uuid}")


def volume_result(session: Session, caller: Caller, vol_id: int) -> ObjectResult:
    vol = session.get(Volume, vol_id)
    assert vol is not None
    return ObjectResult(volume_items(session, [vol], caller)[0])


def _result(job: JobRun, vol_id: int) -> ObjectResult:
    return job.transaction(lambda s: volume_result(s, job.caller, vol_id), idempotent=True)


@command(
    "listVolumes",
    params=[
        Param("id", U, entity="Volume", description="the ID of the disk volume"),
        Param(
            "ids",
            ParamType.LIST,
            collection=U,
            since="4.9",
            entity="Volume",
            description="the IDs of the volumes",
        ),
        Param("name", S, description="the name of the disk volume"),
        Param("type", S, description="the type of disk volume"),
        Param("state", S, description="state of the volume"),
        Param("virtualmachineid", U, entity="VMInstance", description="the ID of the VM"),
        Param("zoneid", U, entity="Zone", description="the ID of the availability zone"),
        Param("podid", U, entity="Pod", description="the pod id the disk volume belongs to"),
        Param("hostid", U, entity="Host", description="list volumes on specified host"),
        Param("storageid", S, since="4.3", entity="StoragePool", description="the storage pool"),
        Param("diskofferingid", U, since="4.4", entity="DiskOffering", description="offering"),
        Param("tags", ParamType.MAP, description="List resources by tags (key/value pairs)"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    object_name="volume",
    response_class="VolumeResponse",
    is_list=True,
)
def list_volumes(call: Call, args: Args) -> ListResult:
    """Lists all volumes."""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(Volume).where(
        Volume.removed.is_(None),
        scope.where(Volume.account_id, Volume.domain_id, Volume.domain_path),
    )
    for key, col in (
        ("id", Volume.id),
        ("zoneid", Volume.zone_id),
        ("virtualmachineid", Volume.instance_id),
        ("diskofferingid", Volume.disk_offering_id),
    ):
        row = args.get(key)
        if row is not None:
            stmt = stmt.where(col == row.id)
    if args.ids:
        stmt = stmt.where(Volume.id.in_([r.id for r in args.ids]))
    if args.name:
        stmt = stmt.where(Volume.name == args.name)
    if args.type:
        stmt = stmt.where(Volume.volume_type == args.type.upper())
    if args.state:
        stmt = stmt.where(Volume.state == args.state)
    if args.keyword:
        stmt = stmt.where(
            keyword_index.matches(call.db, Volume.id, Volume.name, keyword=args.keyword)
        )
    if call.caller.is_root_admin:
        if args.storageid is not None:
            stmt = stmt.where(Volume.pool_id == args.storageid.id)
        if args.hostid is not None:
            on_host = select(VMInstance.id).where(VMInstance.host_id == args.hostid.id)
            stmt = stmt.where(Volume.instance_id.in_(on_host))
        if args.podid is not None:
            in_pod = select(VMInstance.id).where(VMInstance.pod_id == args.podid.id)
            stmt = stmt.where(or_(Volume.instance_id.in_(in_pod)))
    tag_clause = tags.tag_filter("Volume", Volume.id, args.tags)
    if tag_clause is not None:
        stmt = stmt.where(tag_clause)
    rows, count = fetch_page(call.db, stmt.order_by(Volume.id), call, args)
    return ListResult(volume_items(call.db, [r[0] for r in rows], call.caller), count)


@command(
    "createVolume",
    params=[
        Param("zoneid", U, entity="Zone", description="the ID of the availability zone"),
        Param("diskofferingid", U, entity="DiskOffering", description="the disk offering"),
        Param("size", L, description="size in GiB for a custom disk offering"),
        Param("name", S, description="the name of the disk volume"),
        Param("virtualmachineid", U, entity="VMInstance", description="attach to this VM"),
        Param("account", S, description="the account associated with the disk volume"),
        Param("domainid", U, entity="Domain", description="the domain ID of the volume"),
        Param("projectid", U, entity="Project", description="the project of the volume"),
    ],
    kind=Kind.ASYNC_CREATE,
    **VOL,  # type: ignore[arg-type]
)
def create_volume(call: Call, args: Args) -> Enqueue:
    """Creates a disk volume from a disk offering. This disk volume must still be attached to a
    virtual machine to make use of it."""
    if args.diskofferingid is None:
        raise InvalidParameter("diskofferingid is required (volumes from snapshots: not yet)")
    vm = owned_vm(call, args.virtualmachineid) if args.virtualmachineid is not None else None
    zone = args.zoneid
    if zone is None and vm is not None:
        from cumulo.db.models.zone import Zone

        zone = call.db.get(Zone, vm.zone_id)
    if zone is None:
        raise InvalidParameter("zoneid is required")
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    vol = ops.create(
        call.db,
        call.runtime.config,
        call.caller,
        owner,
        live(zone, "zone"),
        args.diskofferingid,
        args.size,
        args.name,
    )
    return Enqueue({"vol_id": vol.id, "vm_id": vm.id if vm else None}, instance_uuid=vol.uuid)


@create_volume.execute
def _create_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vol_id = int(payload["vol_id"])
    if payload.get("vm_id"):
        _attach(job, vol_id, int(payload["vm_id"]), None)
    return _result(job, vol_id)


def _attach(job: JobRun, vol_id: int, vm_id: int, device: int | None) -> None:
    cfg = job.runtime.config

    def begin(s: Session) -> dict[str, Any] | None:
        vol, vm = s.get(Volume, vol_id), s.get(VMInstance, vm_id)
        assert vol is not None and vm is not None
        return ops.begin_attach(s, cfg, vol, vm, device)

    plan = job.transaction(begin)
    path = None
    if plan is not None:
        driver = registry.driver_for(plan["hv"] or "Simulator")
        answer = driver.create_volume(
            spec_from_json(plan["pool"]), plan["name"], plan["size"], _mock(plan["mock"])
        )
        if not answer.ok:
            job.transaction(lambda s: ops.attach_failed(s, vol_id))
            raise InvalidParameter(f"Unable to create the volume on its pool: {answer.details}")
        path = str(answer.data.get("path", ""))
    job.transaction(lambda s: ops.finish_attach(s, job.caller, vol_id, path))


@command(
    "attachVolume",
    params=[
        VOL_ID,
        Param("virtualmachineid", U, required=True, entity="VMInstance", description="the VM"),
        Param("deviceid", L, description="the device id to attach the volume as"),
    ],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def attach_volume(call: Call, args: Args) -> Enqueue:
    """Attaches a disk volume to a virtual machine."""
    vol = owned_volume(call, args.id)
    vm = owned_vm(call, args.virtualmachineid)
    ops.check_detached(vol, "attaching it elsewhere")
    vm_snapshots.refuse_if_snapshots(call.db, vm.id, ops.ATTACH_REFUSED)
    return Enqueue(
        {"vol_id": vol.id, "vm_id": vm.id, "device": args.deviceid}, instance_uuid=vol.uuid
    )


@attach_volume.execute
def _attach_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vol_id = int(payload["vol_id"])
    _attach(job, vol_id, int(payload["vm_id"]), payload.get("device"))
    return _result(job, vol_id)


@command(
    "detachVolume",
    params=[
        Param("id", U, entity="Volume", description="the ID of the disk volume"),
        Param("virtualmachineid", U, entity="VMInstance", description="the ID of the VM"),
        Param("deviceid", L, description="the device ID on the virtual machine"),
    ],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def detach_volume(call: Call, args: Args) -> Enqueue:
    """Detaches a disk volume from a virtual machine."""
    vol: Volume | None
    if args.id is not None:
        vol = owned_volume(call, args.id)
    elif args.virtualmachineid is not None and args.deviceid is not None:
        vm = owned_vm(call, args.virtualmachineid)
        vol = call.db.execute(
            select(Volume).where(
                Volume.instance_id == vm.id,
                Volume.device_id == args.deviceid,
                Volume.removed.is_(None),
            )
        ).scalar()
        if vol is None:
            raise InvalidParameter(f"No volume at device {args.deviceid} of VM {vm.name}")
    else:
        raise InvalidParameter("Give the volume id, or virtualmachineid and deviceid")
    if vol.instance_id is None:
        raise InvalidParameter(f"Volume {vol.name} is not attached to a VM")
    vm_snapshots.refuse_if_snapshots(call.db, vol.instance_id, ops.DETACH_REFUSED)
    return Enqueue({"vol_id": vol.id}, instance_uuid=vol.uuid)


@detach_volume.execute
def _detach_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vol_id = int(payload["vol_id"])

    def work(s: Session) -> None:
        vol = s.get(Volume, vol_id)
        assert vol is not None
        ops.detach(s, job.caller, vol)

    job.transaction(work)
    return _result(job, vol_id)


@command(
    "resizeVolume",
    params=[
        VOL_ID,
        Param("size", L, description="New volume size in GiB"),
        Param("diskofferingid", U, entity="DiskOffering", description="new disk offering id"),
        Param("shrinkok", B, description="Verify OK to Shrink"),
    ],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def resize_volume(call: Call, args: Args) -> Enqueue:
    """Resizes a volume"""
    vol = owned_volume(call, args.id)
    ops.resize(
        call.db,
        call.runtime.config,
        call.caller,
        vol,
        args.size,
        args.diskofferingid,
        bool(args.shrinkok),
    )
    return Enqueue({"vol_id": vol.id}, instance_uuid=vol.uuid)


@resize_volume.execute
def _resize_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    return _result(job, int(payload["vol_id"]))


@command(
    "destroyVolume",
    params=[VOL_ID, Param("expunge", B, since="4.6.0", description="expunge immediately")],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def destroy_volume(call: Call, args: Args) -> Enqueue:
    """Destroys a Volume."""
    vol = owned_volume(call, args.id)
    ops.destroy(call.db, call.caller, vol)
    return Enqueue({"vol_id": vol.id, "expunge": bool(args.expunge)}, instance_uuid=vol.uuid)


@destroy_volume.execute
def _destroy_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vol_id = int(payload["vol_id"])
    view = _result(job, vol_id)
    if payload.get("expunge"):
        _expunge(job, vol_id)
        view = ObjectResult({**view.fields, "state": "Expunged"})
    return view


def _expunge(job: JobRun, vol_id: int) -> None:
    def work(s: Session) -> dict[str, Any] | None:
        vol = s.get(Volume, vol_id)
        assert vol is not None
        return ops.expunge(s, job.caller, vol)

    disk = job.transaction(work)
    ops.destroy_disk(disk)


@command("recoverVolume", params=[VOL_ID], **VOL)  # type: ignore[arg-type]
def recover_volume(call: Call, args: Args) -> ObjectResult:
    """Recovers a Destroy volume."""
    vol = owned_volume(call, args.id)
    ops.recover(call.db, call.caller, vol)
    return volume_result(call.db, call.caller, vol.id)


@command(
    "deleteVolume",
    params=[VOL_ID],
    roles=ALL_ROLES,
    instance_type="Volume",
    response_class="SuccessResponse",
)
def delete_volume(call: Call, args: Args) -> SuccessResult:
    """Deletes a detached disk volume."""
    vol = owned_volume(call, args.id)
    disk = ops.expunge(call.db, call.caller, vol)
    call.db.flush()
    # Deleting the disk is idempotent, so a retried transaction repeats it harmlessly.
    ops.destroy_disk(disk)
    return SuccessResult()


@command(
    "migrateVolume",
    params=[
        Param("volumeid", U, required=True, entity="Volume", description="the ID of the volume"),
        Param("storageid", U, required=True, entity="StoragePool", description="destination pool"),
        Param("livemigrate", B, description="true for live migration (unsupported: stop the VM)"),
    ],
    kind=Kind.ASYNC,
    **{**VOL, "roles": ALL_ROLES},  # type: ignore[arg-type]
)
def migrate_volume(call: Call, args: Args) -> Enqueue:
    """Migrate volume"""
    vol = owned_volume(call, args.volumeid)
    if not call.caller.is_root_admin:
        raise PermissionDenied("Only a root admin may choose the storage pool of a volume")
    vm_snapshots.refuse_if_snapshots(call.db, vol.instance_id, ops.MIGRATE_REFUSED)
    return Enqueue({"vol_id": vol.id, "pool_id": args.storageid.id}, instance_uuid=vol.uuid)


@migrate_volume.execute
def _migrate_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    from cumulo.db.models.storage_pool import StoragePool

    vol_id, cfg = int(payload["vol_id"]), job.runtime.config

    def begin(s: Session) -> dict[str, Any]:
        vol, pool = s.get(Volume, vol_id), s.get(StoragePool, int(payload["pool_id"]))
        assert vol is not None and pool is not None
        return ops.begin_migrate(s, cfg, vol, pool)

    plan = job.transaction(begin)
    path, details = motion.copy(plan)
    if path is not None:
        motion.drop(plan, "src", plan["path"])
    job.transaction(lambda s: ops.finish_migrate(s, job.caller, vol_id, plan, path))
    if path is None:
        raise InvalidParameter(f"Unable to migrate the volume: {details}")
    return _result(job, vol_id)


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
create_volume.not_supported(
    Param("customid", ParamType.STRING),
    Param("displayvolume", ParamType.BOOLEAN),
    Param("maxiops", ParamType.LONG),
    Param("miniops", ParamType.LONG),
    Param("snapshotid", ParamType.UUID),
)
list_volumes.not_supported(
    Param("clusterid", ParamType.UUID),
    Param("displayvolume", ParamType.BOOLEAN, since="4.4"),
    Param("isencrypted", ParamType.BOOLEAN, since="4.19.1"),
    Param("listsystemvms", ParamType.BOOLEAN, since="4.18"),
    Param("retrieveonlyresourcecount", ParamType.BOOLEAN),
    Param("serviceofferingid", ParamType.UUID, since="4.19.1"),
)
migrate_volume.not_supported(
    Param("newdiskofferingid", ParamType.UUID),
)
resize_volume.not_supported(
    Param("automigrate", ParamType.BOOLEAN, since="4.20.1"),
    Param("maxiops", ParamType.LONG),
    Param("miniops", ParamType.LONG),
)
