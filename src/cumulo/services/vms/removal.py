"""destroy / recover / expunge, and the periodic expunge of destroyed VMs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.security_group import SecurityGroupVm
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.drivers import registry
from cumulo.services import nics, vm_snapshots
from cumulo.services.configuration import ConfigStore
from cumulo.services.placement import capacity
from cumulo.services.states import vm as vm_states
from cumulo.services.states import volume as volume_states
from cumulo.services.vms import charges
from cumulo.services.vms.common import (
    Tx,
    pool_spec_json,
    spec_from_json,
    vm_event,
    vm_of,
    volumes_of,
)


def destroy(session: Session, caller: Caller, vm_id: int) -> None:
    """Stopped/Error → Destroyed: the instance stops counting; data disks are detached."""
    vm = vm_of(session, vm_id)
    vm_states.STATE.apply(session, vm, "destroy", destroyed_at=utcnow())
    charges.release_vm(session, vm)
    for vol in volumes_of(session, vm_id):
        if vol.volume_type == "ROOT":
            vol.state = volume_states.DESTROY
            vol.destroyed_at = utcnow()
        else:
            vol.instance_id, vol.device_id, vol.attached = None, None, None
    vm_event(session, caller, vm, "VM.DESTROY", "Destroyed VM")


def recover(session: Session, config: ConfigStore, caller: Caller, vm: VMInstance) -> None:
    vm_states.STATE.apply(session, vm, "recover", destroyed_at=None)
    charges.recharge_vm(session, config, vm)
    for vol in volumes_of(session, vm.id):
        if vol.state == volume_states.DESTROY:
            vol.state = volume_states.READY if vol.path else volume_states.ALLOCATED
            vol.destroyed_at = None
    vm_event(session, caller, vm, "VM.RECOVER", "Recovered VM")


def begin_expunge(session: Session, vm_id: int) -> list[dict[str, Any]]:
    """→ Expunging; the disks to delete on their pools."""
    vm = vm_of(session, vm_id)
    if vm.state != vm_states.EXPUNGING:
        vm_states.STATE.apply(session, vm, "expunge")
    disks = []
    for vol in volumes_of(session, vm_id):
        pool = session.get(StoragePool, vol.pool_id) if vol.pool_id else None
        if pool is not None and vol.path:
            disks.append({"pool": pool_spec_json(pool), "path": vol.path, "hv": vm.hypervisor})
    return disks


def finish_expunge(session: Session, caller: Caller, vm_id: int) -> None:
    vm = vm_of(session, vm_id)
    if vm.host_id is not None:  # an Error VM may still hold a reservation
        capacity.release_host(
            session, vm.host_id, vm.cpu_number * vm.cpu_speed, vm.memory_mb * 2**20
        )
        vm.host_id = None
    for vol in volumes_of(session, vm_id):
        if vol.pool_id is not None:
            capacity.release_pool(session, vol.pool_id, vol.size)
        charges.release_volume(session, vol)
        vol.state = volume_states.EXPUNGED
        vol.mark_removed()
    nics.release_nics(session, vm_id)
    charges.release_vm(session, vm)
    session.execute(delete(AffinityGroupVmMap).where(AffinityGroupVmMap.instance_id == vm_id))
    session.execute(delete(SecurityGroupVm).where(SecurityGroupVm.vm_id == vm_id))
    vm.mark_removed()
    vm_event(session, caller, vm, "VM.EXPUNGE", "Expunged VM")


def expunge(tx: Tx[Any], caller: Caller, vm_id: int) -> None:
    from cumulo.services import sg_rules

    disks = tx(lambda s: begin_expunge(s, vm_id))
    # CloudStack deletes a VM's VM snapshots with it; the host's copies go too.
    for snap in tx(lambda s: vm_snapshots.remove_all(s, vm_id)):
        registry.driver_for(snap["hv"]).delete_vm_snapshot(snap["guid"], snap["path"])
    for disk in disks:
        driver = registry.driver_for(disk["hv"] or "Simulator")
        driver.destroy_volume(spec_from_json(disk["pool"]), disk["path"])
    groups = tx(lambda s: sg_rules.groups_of(s, [vm_id])[vm_id])
    tx(lambda s: finish_expunge(s, caller, vm_id))
    # Rules that allowed the VM's groups no longer name its address.
    sg_rules.push_for_groups(tx, caller, groups)


def due_for_expunge(session: Session, delay_seconds: int, limit: int = 50) -> list[int]:
    cutoff = utcnow() - timedelta(seconds=delay_seconds)
    return list(
        session.execute(
            select(VMInstance.id)
            .where(
                VMInstance.state == vm_states.DESTROYED,
                VMInstance.vm_type == VmType.USER,
                VMInstance.removed.is_(None),
                VMInstance.destroyed_at <= cutoff,
            )
            .order_by(VMInstance.id)
            .limit(limit)
        ).scalars()
    )


def expunge_due(tx: Tx[Any], config: ConfigStore, caller: Caller) -> int:
    """The periodic sweep: expunge VMs destroyed longer than expunge.delay ago."""
    done = 0
    for vm_id in tx(lambda s: due_for_expunge(s, config.get_int("expunge.delay"))):
        try:
            expunge(tx, caller, vm_id)
            done += 1
        except Exception:  # another node took it, or it was recovered meanwhile
            continue
    return done
