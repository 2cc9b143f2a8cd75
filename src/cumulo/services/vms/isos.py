"""A VM's CD-ROM drive: attachIso / detachIso.

A VM holds at most one ISO (``vm_instance.iso_id``), as in CloudStack. The
handler claims the change with a conditional UPDATE, so two concurrent
attaches cannot both win; a Running VM then gets the ISO inserted (or
ejected) on its host by the job, and a refused host command puts the column
back. A Stopped VM just keeps the ISO for its next start (``start.py`` passes
it in ``VmSpec.details["iso"]``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.template_permission import TemplatePermission
from cumulo.db.models.vm import VMInstance
from cumulo.drivers.base import COMMAND_ATTACH_ISO, COMMAND_DETACH_ISO
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import simulator_mocks
from cumulo.services.states import vm as vm_states
from cumulo.services.templates import DOWNLOADED
from cumulo.services.vms.common import vm_event, vm_of
from cumulo.services.vms.start import _mj

USABLE_STATES = (vm_states.RUNNING, vm_states.STOPPED)


def _check_vm(vm: VMInstance) -> None:
    if vm.state not in USABLE_STATES:
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; please specify a VM that is either Stopped or Running"
        )


def _check_access(session: Session, caller: Caller, vm: VMInstance, iso: VMTemplate) -> None:
    """The VM's owner may use the ISO: public, its own, or shared with it."""
    if iso.is_public or iso.account_id == vm.account_id or caller.is_root_admin:
        return
    if caller.is_admin and caller.can_see_domain_path(iso.domain_path):
        return
    shared = session.execute(
        select(TemplatePermission.id).where(
            TemplatePermission.template_id == iso.id,
            TemplatePermission.account_id == vm.account_id,
        )
    ).first()
    if shared is None:
        raise PermissionDenied(
            f"ISO {iso.uuid} is not available to the VM's account; its owner can share it "
            "with updateIsoPermissions"
        )


def ready_path(session: Session, iso: VMTemplate, zone_id: int) -> str:
    """Where the ISO lies on the zone's image store; 431 unless downloaded there."""
    stmt = select(TemplateStoreRef).where(
        TemplateStoreRef.template_id == iso.id, TemplateStoreRef.download_state == DOWNLOADED
    )
    if not iso.cross_zones:
        stmt = stmt.where(TemplateStoreRef.zone_id == zone_id)
    ref = session.execute(stmt.order_by(TemplateStoreRef.id)).scalars().first()
    if ref is None:
        raise InvalidParameter(
            f"ISO {iso.name} is not ready in the VM's zone; wait for its download "
            "(listIsos isready=true) or copy it to the zone with copyIso"
        )
    return ref.install_path or f"iso/{iso.uuid}.iso"


def _host_plan(session: Session, vm: VMInstance, command: str) -> dict[str, Any] | None:
    if vm.state != vm_states.RUNNING or vm.host_id is None:
        return None
    host = session.get(Host, vm.host_id)
    assert host is not None
    mock = simulator_mocks.take(session, command, host)
    return {"guid": host.guid, "hv": host.hypervisor or "Simulator", "mock": _mj(mock)}


def begin_attach(
    session: Session, caller: Caller, vm: VMInstance, iso: VMTemplate, forced: bool
) -> dict[str, Any]:
    """Validate and claim the VM's drive; the plan for the job."""
    if iso.removed is not None or iso.is_template:
        raise InvalidParameter(f"Unable to find an ISO with id {iso.uuid}; give an ISO (listIsos)")
    _check_vm(vm)
    _check_access(session, caller, vm, iso)
    path = ready_path(session, iso, vm.zone_id)
    previous = vm.iso_id
    if previous == iso.id:
        raise InvalidParameter(f"ISO {iso.name} is already attached to VM {vm.name}")
    if previous is not None and not forced:
        raise InvalidParameter(
            f"VM {vm.name} already has an ISO attached; detach it first with detachIso "
            "(a VM holds one ISO), or attach with forced=true to replace it"
        )
    _claim(session, vm, previous, iso.id)
    return {
        "vm_id": vm.id,
        "iso_id": iso.id,
        "previous": previous,
        "path": path,
        "host": _host_plan(session, vm, COMMAND_ATTACH_ISO),
    }


def begin_detach(session: Session, vm: VMInstance) -> dict[str, Any]:
    _check_vm(vm)
    if vm.iso_id is None:
        raise InvalidParameter(f"VM {vm.name} has no ISO attached")
    previous = vm.iso_id
    _claim(session, vm, previous, None)
    return {
        "vm_id": vm.id,
        "iso_id": None,
        "previous": previous,
        "path": None,
        "host": _host_plan(session, vm, COMMAND_DETACH_ISO),
    }


def _claim(session: Session, vm: VMInstance, expected: int | None, new: int | None) -> None:
    """Conditional UPDATE: only one concurrent change of the drive wins."""
    now = VMInstance.iso_id.is_(None) if expected is None else VMInstance.iso_id == expected
    res = session.execute(
        update(VMInstance)
        .where(VMInstance.id == vm.id, now)
        .values(iso_id=new, version=VMInstance.version + 1)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidParameter(f"The ISO of VM {vm.name} changed meanwhile; try again")
    session.refresh(vm)


def undo(session: Session, plan: dict[str, Any]) -> None:
    """The host refused: the drive holds what it held before (unless changed since)."""
    ours = plan["iso_id"]
    now = VMInstance.iso_id.is_(None) if ours is None else VMInstance.iso_id == ours
    session.execute(
        update(VMInstance)
        .where(VMInstance.id == plan["vm_id"], now)
        .values(iso_id=plan["previous"])
        .execution_options(synchronize_session=False)
    )


def record(session: Session, caller: Caller, plan: dict[str, Any]) -> None:
    vm = vm_of(session, plan["vm_id"])
    iso_id = plan["iso_id"] if plan["iso_id"] is not None else plan["previous"]
    iso = session.get(VMTemplate, iso_id)
    name = iso.name if iso is not None else str(iso_id)
    if plan["iso_id"] is not None:
        vm_event(session, caller, vm, "ISO.ATTACH", f"Attached ISO {name} to VM")
    else:
        vm_event(session, caller, vm, "ISO.DETACH", f"Detached ISO {name} from VM")


def iso_for_start(session: Session, vm: VMInstance) -> str | None:
    """The ISO path a starting VM boots with in its CD-ROM drive, if it has one."""
    if vm.iso_id is None:
        return None
    iso = session.get(VMTemplate, vm.iso_id)
    if iso is None or iso.removed is not None:
        return None
    try:
        return ready_path(session, iso, vm.zone_id)
    except InvalidParameter:
        return None  # the copy went away: the VM boots with an empty drive
