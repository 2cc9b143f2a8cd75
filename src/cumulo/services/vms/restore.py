"""restoreVirtualMachine: a fresh root disk from the VM's template (or another one).

The handler validates and charges the new root disk (VOLUME + its bytes of
PRIMARY_STORAGE), so a limit refusal comes before anything changes. The job
stops a Running VM, swaps the root volumes in one transaction (the new one is
Allocated and is created on the pool when the VM starts, as for a new VM; the
old one is destroyed and detached, or with ``expunge`` deleted from its pool
and given back), then starts the VM again if it was running.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter
from cumulo.services import limits, vm_snapshots
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.placement import capacity
from cumulo.services.resource_owner import owner_of_account
from cumulo.services.states import vm as vm_states
from cumulo.services.states import volume as volume_states
from cumulo.services.vms import charges, credentials, deploy
from cumulo.services.vms.common import pool_spec_json, vm_event, vm_of, volumes_of

REFUSED = "Unable to restore VM, please remove VM snapshots before restoring VM"


def _root(session: Session, vm: VMInstance) -> Volume | None:
    return next((v for v in volumes_of(session, vm.id) if v.volume_type == "ROOT"), None)


def _new_size(
    session: Session,
    vm: VMInstance,
    tpl: VMTemplate,
    disk: DiskOffering | None,
    root_gib: int | None,
) -> int:
    if root_gib is None and disk is not None and not disk.customized and disk.disk_size:
        return disk.disk_size
    offering = session.get(ServiceOffering, vm.service_offering_id)
    return deploy.root_size(tpl, offering.root_disk_size if offering else 0, root_gib)


def begin(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    vm: VMInstance,
    template: VMTemplate | None,
    disk: DiskOffering | None,
    root_gib: int | None,
) -> dict[str, Any]:
    """Validate and charge the new root disk; the job's payload."""
    if vm.state not in (vm_states.RUNNING, vm_states.STOPPED):
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; only a Running or Stopped VM can be restored"
        )
    vm_snapshots.refuse_if_snapshots(session, vm.id, REFUSED)
    tpl = template or (session.get(VMTemplate, vm.template_id) if vm.template_id else None)
    if tpl is None:
        raise InvalidParameter(
            f"VM {vm.name} was not deployed from a template; give templateid to restore it"
        )
    zone = session.get(Zone, vm.zone_id)
    assert zone is not None
    deploy.check_template(session, caller, owner_of_account(session, vm.account_id), tpl, zone)
    if disk is not None and (disk.removed is not None or disk.state != "Active"):
        raise InvalidParameter(f"Disk offering {disk.uuid} is not active")
    if _root(session, vm) is None:
        raise InvalidParameter(f"VM {vm.name} has no root volume to restore")
    size = _new_size(session, vm, tpl, disk, root_gib)
    charges.charge_volume(session, config, vm.account_id, size)
    return {
        "vm_id": vm.id,
        "template_id": tpl.id,
        "disk_offering_id": disk.id if disk is not None else None,
        "size": size,
        "account_id": vm.account_id,
        "running": vm.state == vm_states.RUNNING,
    }


def swap(
    session: Session, caller: Caller, payload: dict[str, Any], sealer: credentials.Sealer
) -> dict[str, Any]:
    """Stopped VM: the new root in, the old one out; the old disk to delete, if any."""
    vm = vm_of(session, payload["vm_id"])
    if vm.state != vm_states.STOPPED:
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; it must be Stopped to swap its root")
    old = _root(session, vm)
    assert old is not None
    tpl = session.get(VMTemplate, payload["template_id"])
    assert tpl is not None
    session.add(
        Volume(
            name=f"ROOT-{vm.id}",
            volume_type="ROOT",
            state=volume_states.ALLOCATED,
            size=payload["size"],
            zone_id=vm.zone_id,
            instance_id=vm.id,
            device_id=old.device_id,
            attached=utcnow(),
            disk_offering_id=payload["disk_offering_id"] or old.disk_offering_id,
            template_id=tpl.id,
            format=tpl.format,
            account_id=old.account_id,
            domain_id=old.domain_id,
            domain_path=old.domain_path,
            project_id=old.project_id,
        )
    )
    old.instance_id, old.device_id, old.attached = None, None, None
    old.state, old.destroyed_at = volume_states.DESTROY, utcnow()
    vm.template_id, vm.guest_os_id = tpl.id, tpl.guest_os_id or vm.guest_os_id
    credentials.set_new_password(session, vm, sealer)  # a reinstalled guest gets a new one
    vm.version += 1
    vm_event(session, caller, vm, "VM.RESTORE", f"Restored VM from template {tpl.name}")
    pool = session.get(StoragePool, old.pool_id) if old.pool_id else None
    expunge = bool(payload["expunge"])
    if not expunge or pool is None or not old.path:
        if expunge:
            _forget(session, old)
        return {"old_id": old.id, "disk": None}
    old.state = volume_states.EXPUNGING
    disk = {"pool": pool_spec_json(pool), "path": old.path, "hv": vm.hypervisor}
    return {"old_id": old.id, "disk": disk}


def _forget(session: Session, vol: Volume) -> None:
    """The old root is gone: its pool space and its charges go back."""
    if vol.pool_id is not None:
        capacity.release_pool(session, vol.pool_id, vol.size)
    charges.release_volume(session, vol)
    vol.state = volume_states.EXPUNGED
    vol.mark_removed()


def forget_old(session: Session, old_id: int) -> None:
    vol = session.get(Volume, old_id)
    if vol is not None and vol.removed is None:
        _forget(session, vol)


def release_charge(session: Session, payload: dict[str, Any]) -> None:
    """The restore did not happen: the new root's charge goes back."""
    limits.release(session, payload["account_id"], ResourceType.VOLUME)
    limits.release(session, payload["account_id"], ResourceType.PRIMARY_STORAGE, payload["size"])
