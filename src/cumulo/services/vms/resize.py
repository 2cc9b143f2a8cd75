"""Changing a VM's size (scale / changeService) and its editable attributes."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InsufficientCapacity, InvalidParameter
from cumulo.services import limits
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.placement import capacity
from cumulo.services.states import vm as vm_states
from cumulo.services.vms import credentials, deploy
from cumulo.services.vms.common import vm_event


def _reserve_delta(
    session: Session, config: ConfigStore, vm: VMInstance, cpu: int, mem: int
) -> None:
    """Grow (or shrink) the VM's reservation on its current host, or refuse."""
    assert vm.host_id is not None
    if cpu <= 0 and mem <= 0:
        capacity.release_host(session, vm.host_id, max(-cpu, 0), max(-mem, 0))
        return
    res = session.execute(
        update(Host)
        .where(Host.id == vm.host_id, *capacity.host_fits(config, max(cpu, 0), max(mem, 0)))
        .values(
            cpu_allocated=Host.cpu_allocated + cpu, memory_allocated=Host.memory_allocated + mem
        )
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise InsufficientCapacity(
            f"Host of VM {vm.name} has no room to scale it; stop it or migrate it first"
        )


def change_offering(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    vm: VMInstance,
    offering: ServiceOffering,
    details: dict[str, str],
    *,
    live: bool,
) -> VMInstance:
    from cumulo.services import vm_snapshots

    vm_snapshots.refuse_if_snapshots(
        session,
        vm.id,
        "Unable to scale VM, please remove VM snapshots before scaling VM"
        if live
        else "Unable to change service offering for VM, please remove VM snapshots before "
        "changing service offering of VM",
    )
    deploy.check_offering(offering)
    size = deploy.size_of(offering, details)
    if vm.state == vm_states.RUNNING:
        if not live:
            raise InvalidParameter(
                f"VM {vm.name} is Running; stop it to change its service offering, "
                "or use scaleVirtualMachine"
            )
        tpl = session.get(VMTemplate, vm.template_id) if vm.template_id else None
        if tpl is None or not tpl.is_dynamically_scalable:
            raise InvalidParameter(
                f"VM {vm.name} is not dynamically scalable (its template does not allow it); "
                "stop it before scaling"
            )
        if size.cpu_number < vm.cpu_number or size.memory_mb < vm.memory_mb:
            raise InvalidParameter("A running VM can only be scaled up; stop it to scale down")
        _reserve_delta(
            session,
            config,
            vm,
            size.cpu_number * size.cpu_speed - vm.cpu_number * vm.cpu_speed,
            (size.memory_mb - vm.memory_mb) * 2**20,
        )
    elif vm.state != vm_states.STOPPED:
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; stop it to change its offering")
    _adjust_limits(session, config, vm, size.cpu_number - vm.cpu_number, "cpu")
    _adjust_limits(session, config, vm, size.memory_mb - vm.memory_mb, "mem")
    vm.service_offering_id = offering.id
    vm.cpu_number, vm.cpu_speed, vm.memory_mb = size.cpu_number, size.cpu_speed, size.memory_mb
    vm.version += 1
    vm_event(session, caller, vm, "VM.UPGRADE", f"Changed service offering to {offering.name}")
    return vm


def _adjust_limits(
    session: Session, config: ConfigStore, vm: VMInstance, delta: int, kind: str
) -> None:
    if not vm.limits_charged or delta == 0:
        return
    rtype = ResourceType.CPU if kind == "cpu" else ResourceType.MEMORY
    if delta > 0:
        limits.consume(session, config, vm.account_id, rtype, delta)
    else:
        limits.release(session, vm.account_id, rtype, -delta)


def reset_password(session: Session, caller: Caller, vm: VMInstance, sealer) -> str:  # type: ignore[no-untyped-def]
    tpl = session.get(VMTemplate, vm.template_id) if vm.template_id else None
    if tpl is None or not tpl.password_enabled:
        raise InvalidParameter(
            f"Template of VM {vm.name} is not password enabled; the password cannot be reset"
        )
    if vm.state not in (vm_states.STOPPED, vm_states.RUNNING):
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; it must be Running or Stopped")
    password = credentials.generate()
    vm.password = sealer.seal(password)
    vm_event(session, caller, vm, "VM.RESETPASSWORD", "Reset password of VM")
    return password
