"""Stopping and rebooting VMs through their host's driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_REBOOT, COMMAND_STOP
from cumulo.errors import InvalidParameter, OperationFailed
from cumulo.services import simulator_mocks
from cumulo.services.placement import capacity
from cumulo.services.states import vm as vm_states
from cumulo.services.vms.common import Tx, vm_event, vm_of
from cumulo.services.vms.start import _mj, _mock


def _target(session: Session, vm_id: int, command: str) -> dict[str, Any] | None:
    vm = vm_of(session, vm_id)
    host = session.get(Host, vm.host_id) if vm.host_id is not None else None
    if host is None:
        return None
    mock = simulator_mocks.take(session, command, host)
    return {
        "guid": host.guid,
        "hypervisor": host.hypervisor or "Simulator",
        "name": vm.instance_name,
        "mock": _mj(mock),
    }


def begin_stop(session: Session, vm_id: int) -> dict[str, Any] | None:
    vm = vm_of(session, vm_id)
    if vm.state != vm_states.STOPPING:  # adopted: already Stopping
        vm_states.STATE.apply(session, vm, "stop")
    return _target(session, vm_id, COMMAND_STOP)


def stopped(session: Session, caller: Caller, vm_id: int) -> None:
    vm = vm_of(session, vm_id)
    vm_states.STATE.apply(session, vm, "stopped")
    if vm.host_id is not None:
        capacity.release_host(
            session, vm.host_id, vm.cpu_number * vm.cpu_speed, vm.memory_mb * 2**20
        )
        vm.last_host_id, vm.host_id = vm.host_id, None
    vm_event(session, caller, vm, "VM.STOP", "Stopped VM")


def stop(tx: Tx[Any], caller: Caller, vm_id: int, *, forced: bool) -> None:
    """Running → Stopping → Stopped; a refused stop goes back to Running unless forced."""
    target = tx(lambda s: begin_stop(s, vm_id))
    if target is not None:
        driver = registry.driver_for(target["hypervisor"])
        answer = driver.stop_vm(
            target["guid"], target["name"], force=forced, mock=_mock(target["mock"])
        )
        if not answer.ok and not forced:

            def back(s: Session) -> None:
                vm = vm_of(s, vm_id)
                vm_states.STATE.try_apply(s, vm, "stop_failed")
                vm_event(s, caller, vm, "VM.STOP", f"Failed to stop VM ({answer.details})", "ERROR")

            tx(back)
            raise OperationFailed(
                f"Unable to stop the VM: {answer.details or 'the host refused'}; "
                "retry with forced=true to mark it stopped anyway"
            )
    tx(lambda s: stopped(s, caller, vm_id))


def reboot(tx: Tx[Any], caller: Caller, vm_id: int) -> None:
    def begin(s: Session) -> dict[str, Any] | None:
        vm = vm_of(s, vm_id)
        if vm.state != vm_states.RUNNING:
            raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can reboot")
        return _target(s, vm_id, COMMAND_REBOOT)

    target = tx(begin)
    assert target is not None
    answer = registry.driver_for(target["hypervisor"]).reboot_vm(
        target["guid"], target["name"], _mock(target["mock"])
    )
    if not answer.ok:
        raise OperationFailed(f"Unable to reboot the VM: {answer.details}")
    tx(lambda s: vm_event(s, caller, vm_of(s, vm_id), "VM.REBOOT", "Rebooted VM"))
