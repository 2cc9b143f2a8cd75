"""VM snapshot commands (§6.7): create, list, revert to, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import VM, owned_vm, result_tx
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.vm_snapshot import vm_snapshot_items
from cumulo.db.models.vm_snapshot import VMSnapshot
from cumulo.drivers import registry
from cumulo.drivers.base import PoolSpec
from cumulo.errors import InvalidParameter, OperationFailed
from cumulo.jobs.context import JobRun
from cumulo.services import tags
from cumulo.services import vm_snapshots as vmsnaps
from cumulo.services.states import vm as vm_states
from cumulo.services.vms import start
from cumulo.services.vms.common import spec_from_json, vm_of
from cumulo.services.vms.start import _mock

S, U, B = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN
tags.register("VMSnapshot", "VMSnapshot")
SNAP_ID = Param(
    "vmsnapshotid", U, required=True, entity="VMSnapshot", description="The ID of the VM snapshot"
)


def owned_vm_snapshot(call: Call, snap: VMSnapshot) -> VMSnapshot:
    """Whoever may act on the VM may act on its snapshots."""
    if snap.removed is not None:
        raise InvalidParameter(f"Unable to find VM snapshot by id {snap.uuid}; it was deleted")
    owned_vm(call, vm_of(call.db, snap.vm_id))
    return snap


def _view(job: JobRun, snap_id: int) -> ObjectResult:
    def work(s: Session) -> ObjectResult:
        return ObjectResult(vm_snapshot_items(s, [vmsnaps.snapshot(s, snap_id)])[0])

    return job.transaction(work, idempotent=True)


@command(
    "createVMSnapshot",
    params=[
        Param(
            "virtualmachineid",
            U,
            required=True,
            entity="VMInstance",
            description="The ID of the VM",
        ),
        Param("name", S, description="The display name of the snapshot"),
        Param("description", S, description="The description of the snapshot"),
        Param(
            "snapshotmemory",
            B,
            description="snapshot memory if true (the VM must be Running); default false",
        ),
        Param("quiescevm", B, description="quiesce VM if true (not supported by this hypervisor)"),
    ],
    kind=Kind.ASYNC_CREATE,
    roles=ALL_ROLES,
    object_name="vmsnapshot",
    response_class="VMSnapshotResponse",
    instance_type="VmSnapshot",
)
def create_vm_snapshot(call: Call, args: Args) -> Enqueue:
    """Creates snapshot for a vm."""
    vm = owned_vm(call, args.virtualmachineid)
    if args.quiescevm:
        raise InvalidParameter(f"Quiescing the VM is not supported on {vm.hypervisor or 'it'}")
    snap = vmsnaps.allocate(
        call.db, call.runtime.config, vm, args.name, args.description, bool(args.snapshotmemory)
    )
    return Enqueue({"snap_id": snap.id}, instance_uuid=snap.uuid)


@create_vm_snapshot.execute
def _create(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    snap_id = int(payload["snap_id"])
    try:
        plan = job.transaction(lambda s: vmsnaps.begin_create(s, snap_id))
    except InvalidParameter as exc:
        why = str(exc)
        job.transaction(lambda s: vmsnaps.create_failed(s, job.caller, snap_id, why))
        raise
    disks: list[tuple[PoolSpec, str]] = [
        (spec_from_json(d["pool"]), d["path"]) for d in plan["disks"]
    ]
    snap_type = job.transaction(lambda s: vmsnaps.snapshot(s, snap_id).snapshot_type)
    answer = registry.driver_for(plan["hv"]).create_vm_snapshot(
        plan["guid"], plan["vm"], disks, snap_type == vmsnaps.DISK_AND_MEMORY, _mock(plan["mock"])
    )
    path = str(answer.data.get("path")) if answer.ok else None
    job.transaction(lambda s: vmsnaps.finish_create(s, job.caller, snap_id, path, answer.details))
    if path is None:
        raise OperationFailed(f"Creating VM snapshot failed: {answer.details}")
    return _view(job, snap_id)


@create_vm_snapshot.compensate
def _undo_create(job: JobRun, payload: dict[str, Any]) -> str:
    snap_id = int(payload["snap_id"])
    return job.transaction(
        lambda s: vmsnaps.create_failed(s, job.caller, snap_id, "management server stopped")
    )


@command(
    "listVMSnapshot",
    params=[
        Param("vmsnapshotid", U, entity="VMSnapshot", description="The ID of the VM snapshot"),
        Param(
            "vmsnapshotids",
            ParamType.LIST,
            collection=U,
            since="4.9",
            entity="VMSnapshot",
            description="the IDs of the vm snapshots, mutually exclusive with vmsnapshotid",
        ),
        Param("virtualmachineid", U, entity="VMInstance", description="the ID of the vm"),
        Param("name", S, description="lists snapshot by snapshot name or display name"),
        Param("state", S, description="state of the virtual machine snapshot"),
        Param("tags", ParamType.MAP, description="List resources by tags (key/value pairs)"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    object_name="vmSnapshot",
    response_class="VMSnapshotResponse",
    is_list=True,
)
def list_vm_snapshots(call: Call, args: Args) -> ListResult:
    """List virtual machine snapshot by conditions"""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(VMSnapshot).where(
        VMSnapshot.removed.is_(None),
        scope.where(VMSnapshot.account_id, VMSnapshot.domain_id, VMSnapshot.domain_path),
    )
    if args.vmsnapshotid is not None:
        stmt = stmt.where(VMSnapshot.id == args.vmsnapshotid.id)
    if args.vmsnapshotids:
        stmt = stmt.where(VMSnapshot.id.in_([r.id for r in args.vmsnapshotids]))
    if args.virtualmachineid is not None:
        stmt = stmt.where(VMSnapshot.vm_id == args.virtualmachineid.id)
    if args.name:
        stmt = stmt.where((VMSnapshot.name == args.name) | (VMSnapshot.display_name == args.name))
    if args.state:
        stmt = stmt.where(VMSnapshot.state == args.state)
    if args.keyword:
        stmt = stmt.where(VMSnapshot.display_name.like(f"%{args.keyword}%"))
    tag_clause = tags.tag_filter("VMSnapshot", VMSnapshot.id, args.tags)
    if tag_clause is not None:
        stmt = stmt.where(tag_clause)
    rows, count = fetch_page(call.db, stmt.order_by(VMSnapshot.id), call, args)
    return ListResult(vm_snapshot_items(call.db, [r[0] for r in rows]), count)


@command(
    "revertToVMSnapshot",
    params=[SNAP_ID],
    kind=Kind.ASYNC,
    **{**VM, "instance_type": "VmSnapshot"},  # type: ignore[arg-type]
)
def revert_to_vm_snapshot(call: Call, args: Args) -> Enqueue:
    """Revert VM from a vmsnapshot."""
    snap = owned_vm_snapshot(call, args.vmsnapshotid)
    vmsnaps.check_revert(call.db, snap)
    return Enqueue({"snap_id": snap.id, "vm_id": snap.vm_id}, instance_uuid=snap.uuid)


@revert_to_vm_snapshot.execute
def _revert(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    snap_id, vm_id = int(payload["snap_id"]), int(payload["vm_id"])

    def stopped_with_memory(s: Session) -> bool:
        snap = vmsnaps.snapshot(s, snap_id)
        vm = vmsnaps.check_revert(s, snap) if snap.state == vmsnaps.READY else vm_of(s, vm_id)
        return snap.snapshot_type == vmsnaps.DISK_AND_MEMORY and vm.state == vm_states.STOPPED

    if job.transaction(stopped_with_memory):
        # Memory goes back into a running VM: start it first, as CloudStack does.
        start.start(job.transaction, job.runtime.config, job.caller, vm_id, deploy=False)
    plan = job.transaction(lambda s: vmsnaps.begin_revert(s, snap_id))
    answer = registry.driver_for(plan["hv"]).revert_vm_snapshot(
        plan["guid"], plan["vm"], plan["path"], _mock(plan["mock"])
    )
    error = None if answer.ok else (answer.details or "the host refused")
    job.transaction(lambda s: vmsnaps.finish_revert(s, job.caller, snap_id, error))
    if error is not None:
        raise OperationFailed(f"Reverting to the VM snapshot failed: {error}")
    return result_tx(job, vm_id)


@revert_to_vm_snapshot.compensate
def _undo_revert(job: JobRun, payload: dict[str, Any]) -> str:
    snap_id = int(payload["snap_id"])

    def work(s: Session) -> str:
        vmsnaps.finish_revert(s, job.caller, snap_id, "management server stopped")
        return "The VM snapshot is Ready again; revert once more"

    return job.transaction(work)


@command(
    "deleteVMSnapshot",
    params=[SNAP_ID],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="VmSnapshot",
    response_class="SuccessResponse",
    # Deleting on the host is idempotent: an adopted job simply runs again.
    resumable=True,
)
def delete_vm_snapshot(call: Call, args: Args) -> Enqueue:
    """Deletes a vmsnapshot."""
    snap = owned_vm_snapshot(call, args.vmsnapshotid)
    if snap.state not in (vmsnaps.READY, vmsnaps.ERROR):
        raise InvalidParameter(
            f"VM snapshot {snap.display_name} is {snap.state}; only a Ready or Error one can "
            "be deleted"
        )
    return Enqueue({"snap_id": snap.id}, instance_uuid=snap.uuid)


@delete_vm_snapshot.execute
def _delete(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    snap_id = int(payload["snap_id"])
    plan = job.transaction(lambda s: vmsnaps.begin_delete(s, snap_id))
    error = None
    if plan is not None:
        answer = registry.driver_for(plan["hv"]).delete_vm_snapshot(
            plan["guid"], plan["path"], _mock(plan["mock"])
        )
        error = None if answer.ok else (answer.details or "the host refused")
    job.transaction(lambda s: vmsnaps.finish_delete(s, job.caller, snap_id, error))
    if error is not None:
        raise OperationFailed(f"Deleting the VM snapshot failed: {error}")
    return SuccessResult()
