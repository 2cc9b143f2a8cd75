"""VM snapshots: all disks (and optionally memory) of a user VM, on its host.

Database work here; the driver is called between transactions by the job
bodies in ``api/commands/vm_snapshots.py``. A snapshot moves
Allocated → Creating → Ready, Ready → Reverting → Ready and
Ready/Error → Expunging → removed; a failed create ends in Error and is
removed, a failed delete leaves it in Error (delete again), a failed revert
puts it back to Ready. The VM's snapshots form a tree: a new one's parent is
the VM's current snapshot, and it becomes current; reverting makes the
target current; deleting hands children and "current" to the parent.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.host import Host
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.vm_snapshot import VMSnapshot
from cumulo.drivers.base import (
    COMMAND_CREATE_VM_SNAPSHOT,
    COMMAND_DELETE_VM_SNAPSHOT,
    COMMAND_REVERT_VM_SNAPSHOT,
)
from cumulo.errors import InvalidParameter
from cumulo.services import events, simulator_mocks
from cumulo.services.configuration import ConfigStore
from cumulo.services.resource_owner import same_owner
from cumulo.services.states import vm as vm_states
from cumulo.services.states import volume as volume_states
from cumulo.services.vms.common import pool_spec_json, vm_of, volumes_of
from cumulo.services.vms.start import _mj

ALLOCATED, CREATING, READY, REVERTING = "Allocated", "Creating", "Ready", "Reverting"
EXPUNGING, ERROR = "Expunging", "Error"
BUSY = (ALLOCATED, CREATING, REVERTING, EXPUNGING)
DISK, DISK_AND_MEMORY = "Disk", "DiskAndMemory"


def record(
    session: Session, caller: Caller, snap: VMSnapshot, kind: str, text: str, level: str = "INFO"
) -> None:
    events.record_for(
        session, caller, snap, "VMSnapshot", kind, f"{text}: {snap.display_name}", level
    )


def of_vm(session: Session, vm_id: int) -> list[VMSnapshot]:
    return list(
        session.execute(
            select(VMSnapshot)
            .where(VMSnapshot.vm_id == vm_id, VMSnapshot.removed.is_(None))
            .order_by(VMSnapshot.id)
        ).scalars()
    )


def has_snapshots(session: Session, vm_id: int | None) -> bool:
    if vm_id is None:
        return False
    found = session.execute(
        select(VMSnapshot.id)
        .where(VMSnapshot.vm_id == vm_id, VMSnapshot.removed.is_(None))
        .limit(1)
    ).first()
    return found is not None


def refuse_if_snapshots(session: Session, vm_id: int | None, message: str) -> None:
    """CloudStack refuses disk layout and size changes of a VM with VM snapshots."""
    if has_snapshots(session, vm_id):
        raise InvalidParameter(message)


def snapshot(session: Session, snap_id: int) -> VMSnapshot:
    snap = session.get(VMSnapshot, snap_id)
    if snap is None:
        raise LookupError(f"VM snapshot {snap_id} vanished")
    return snap


def allocate(
    session: Session,
    config: ConfigStore,
    vm: VMInstance,
    name: str | None,
    description: str | None,
    memory: bool,
) -> VMSnapshot:
    """Validate and write the Allocated row (createVMSnapshot's handler)."""
    if vm.state not in (vm_states.RUNNING, vm_states.STOPPED):
        raise InvalidParameter(
            f"Creating VM snapshot failed due to VM {vm.name} is {vm.state}; "
            "it must be Running or Stopped"
        )
    if memory and vm.state != vm_states.RUNNING:
        raise InvalidParameter("Can not snapshot memory when VM is not in Running state")
    existing = of_vm(session, vm.id)
    if any(s.state in BUSY for s in existing):
        raise InvalidParameter(
            "There is other active vm snapshot tasks on the instance, please try again later"
        )
    most = config.get_int("vmsnapshot.max")
    if len(existing) >= most:
        raise InvalidParameter(
            f"Creating vm snapshot failed due to a VM can just have : {most} VM snapshots. "
            "Please delete old ones"
        )
    vols = volumes_of(session, vm.id)
    if not vols or any(not v.path for v in vols):
        raise InvalidParameter(
            f"VM {vm.name} has disks not created on storage yet; start it once first"
        )
    if any(v.state != volume_states.READY for v in vols):
        raise InvalidParameter(
            "There is other active volume snapshot tasks on the instance to which the volume "
            "is attached, please try again later"
        )
    generated = f"{vm.instance_name}_VS_{utcnow():%Y%m%d%H%M%S}"
    snap = VMSnapshot(
        name=generated,
        display_name=(name or "").strip() or generated,
        description=description,
        vm_id=vm.id,
        zone_id=vm.zone_id,
        snapshot_type=DISK_AND_MEMORY if memory else DISK,
        state=ALLOCATED,
        hypervisor=vm.hypervisor,
        **same_owner(vm),
    )
    session.add(snap)
    session.flush()
    return snap


def _move(session: Session, snap: VMSnapshot, frm: tuple[str, ...], to: str) -> None:
    """Conditional state change: exactly one writer wins."""
    done = session.execute(
        update(VMSnapshot)
        .where(VMSnapshot.id == snap.id, VMSnapshot.state.in_(frm))
        .values(state=to)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(snap)
        raise InvalidParameter(f"VM snapshot {snap.display_name} is {snap.state}; try again later")
    session.refresh(snap)


def _host_of(session: Session, vm: VMInstance) -> Host:
    host = session.get(Host, vm.host_id or vm.last_host_id or 0)
    if host is None or host.removed is not None:
        raise InvalidParameter(f"VM {vm.name} has no host to run the VM snapshot command on")
    return host


def _target(session: Session, vm: VMInstance, command: str) -> dict[str, Any]:
    host = _host_of(session, vm)
    return {
        "guid": host.guid,
        "hv": host.hypervisor or "Simulator",
        "vm": vm.instance_name,
        "mock": _mj(simulator_mocks.take(session, command, host)),
    }


def begin_create(session: Session, snap_id: int) -> dict[str, Any]:
    """Allocated → Creating (Creating again for an adopted job); the driver's plan."""
    snap = snapshot(session, snap_id)
    _move(session, snap, (ALLOCATED, CREATING), CREATING)
    vm = vm_of(session, snap.vm_id)
    if snap.snapshot_type == DISK_AND_MEMORY and vm.state != vm_states.RUNNING:
        raise InvalidParameter(f"VM {vm.name} stopped; its memory can no longer be snapshotted")
    disks = []
    layout = []
    for vol in volumes_of(session, vm.id):
        pool = session.get(StoragePool, vol.pool_id or 0)
        if pool is None or not vol.path:
            raise InvalidParameter(f"Volume {vol.name} is not on storage")
        disks.append({"pool": pool_spec_json(pool), "path": vol.path})
        layout.append({"id": vol.id, "path": vol.path, "pool": pool.id, "size": vol.size})
    snap.volumes = json.dumps(layout)
    return {**_target(session, vm, COMMAND_CREATE_VM_SNAPSHOT), "disks": disks}


def finish_create(
    session: Session, caller: Caller, snap_id: int, path: str | None, error: str
) -> None:
    snap = snapshot(session, snap_id)
    if path is None:
        snap.state = ERROR
        snap.mark_removed()
        record(session, caller, snap, "VMSNAPSHOT.CREATE", f"Failed ({error})", "ERROR")
        return
    current = session.execute(
        select(VMSnapshot).where(
            VMSnapshot.vm_id == snap.vm_id,
            VMSnapshot.current.is_(True),
            VMSnapshot.removed.is_(None),
        )
    ).scalar_one_or_none()
    if current is not None:
        current.current = False
        snap.parent_id = current.id
    snap.state, snap.path, snap.current = READY, path, True
    record(session, caller, snap, "VMSNAPSHOT.CREATE", "Created VM snapshot")


def create_failed(session: Session, caller: Caller, snap_id: int, error: str) -> str:
    """The stable end of an interrupted or refused create: Error, removed."""
    snap = snapshot(session, snap_id)
    if snap.removed is None and snap.state in (ALLOCATED, CREATING):
        finish_create(session, caller, snap_id, None, error)
        return f"VM snapshot {snap.display_name} was put in Error and removed"
    return f"VM snapshot {snap.display_name} is {snap.state}"


def check_revert(session: Session, snap: VMSnapshot) -> VMInstance:
    if snap.removed is not None or snap.state != READY:
        raise InvalidParameter(
            f"VM Snapshot reverting failed due to vm snapshot {snap.display_name} is "
            f"{snap.state}; only a Ready snapshot can be reverted to"
        )
    vm = vm_of(session, snap.vm_id)
    if vm.removed is not None or vm.state not in (vm_states.RUNNING, vm_states.STOPPED):
        raise InvalidParameter(
            f"VM Snapshot reverting failed due to vm {vm.name} is {vm.state}; "
            "it must be Running or Stopped"
        )
    if snap.snapshot_type == DISK and vm.state != vm_states.STOPPED:
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; stop it before reverting to disk-only VM snapshot "
            f"{snap.display_name}"
        )
    return vm


def begin_revert(session: Session, snap_id: int) -> dict[str, Any]:
    snap = snapshot(session, snap_id)
    if snap.state != REVERTING:  # an adopted job finds it Reverting already
        vm = check_revert(session, snap)
        _move(session, snap, (READY,), REVERTING)
    vm = vm_of(session, snap.vm_id)
    return {**_target(session, vm, COMMAND_REVERT_VM_SNAPSHOT), "path": snap.path}


def finish_revert(session: Session, caller: Caller, snap_id: int, error: str | None) -> None:
    """Reverting → Ready; on success the snapshot becomes the VM's current one."""
    snap = snapshot(session, snap_id)
    if snap.state == REVERTING:
        snap.state = READY
    if error is not None:
        record(session, caller, snap, "VMSNAPSHOT.REVERTTO", f"Failed ({error})", "ERROR")
        return
    session.execute(
        update(VMSnapshot)
        .where(VMSnapshot.vm_id == snap.vm_id, VMSnapshot.id != snap.id)
        .values(current=False)
    )
    snap.current = True
    record(session, caller, snap, "VMSNAPSHOT.REVERTTO", "Reverted VM to snapshot")


def begin_delete(session: Session, snap_id: int) -> dict[str, Any] | None:
    """Ready/Error → Expunging; the driver's plan, or None when nothing is on a host."""
    snap = snapshot(session, snap_id)
    _move(session, snap, (READY, ERROR, EXPUNGING), EXPUNGING)
    if not snap.path:
        return None
    vm = vm_of(session, snap.vm_id)
    try:
        plan = _target(session, vm, COMMAND_DELETE_VM_SNAPSHOT)
    except InvalidParameter:
        return None  # the host is gone, and the snapshot with it
    return {**plan, "path": snap.path}


def finish_delete(session: Session, caller: Caller, snap_id: int, error: str | None) -> None:
    snap = snapshot(session, snap_id)
    if snap.removed is not None:
        return
    if error is not None:
        snap.state = ERROR
        record(session, caller, snap, "VMSNAPSHOT.DELETE", f"Failed ({error})", "ERROR")
        return
    forget(session, snap)
    record(session, caller, snap, "VMSNAPSHOT.DELETE", "Deleted VM snapshot")


def forget(session: Session, snap: VMSnapshot) -> None:
    """Remove the row; its children hang off its parent, which inherits "current"."""
    session.execute(
        update(VMSnapshot)
        .where(VMSnapshot.parent_id == snap.id, VMSnapshot.removed.is_(None))
        .values(parent_id=snap.parent_id)
    )
    if snap.current and snap.parent_id is not None:
        session.execute(
            update(VMSnapshot).where(VMSnapshot.id == snap.parent_id).values(current=True)
        )
    snap.current = False
    snap.state = EXPUNGING
    snap.mark_removed()


def remove_all(session: Session, vm_id: int) -> list[dict[str, Any]]:
    """Expunging a VM: drop its VM snapshots; what the host should delete."""
    snaps = of_vm(session, vm_id)
    plans = []
    vm = vm_of(session, vm_id)
    host = session.get(Host, vm.host_id or vm.last_host_id or 0)
    for snap in snaps:
        if snap.path and host is not None:
            plans.append(
                {"guid": host.guid, "hv": host.hypervisor or "Simulator", "path": snap.path}
            )
        forget(session, snap)
    return plans
