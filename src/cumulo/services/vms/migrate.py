"""Live migration to another host, and evacuating a host before maintenance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.vm import VMInstance
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_MIGRATE
from cumulo.errors import InsufficientCapacity, InvalidParameter, OperationFailed
from cumulo.services import simulator_mocks
from cumulo.services.configuration import ConfigStore
from cumulo.services.placement import capacity, planner
from cumulo.services.states import vm as vm_states
from cumulo.services.vms.common import Tx, vm_event, vm_of
from cumulo.services.vms.start import _mj, _mock, need_for


def _bytes(vm: VMInstance) -> int:
    return vm.memory_mb * 2**20


def reserve(
    session: Session,
    config: ConfigStore,
    vm_id: int,
    dest_id: int | None,
    adjust: Callable[[planner.Need], planner.Need] | None = None,
) -> dict[str, Any] | None:
    """Reserve the destination and mark the VM Migrating; None if no host fits.

    ``adjust`` rewrites the planner's request, e.g. to free the VM from the
    cluster of its current pool when its volumes move along.
    """
    vm = vm_of(session, vm_id)
    if vm.state != vm_states.RUNNING or vm.host_id is None:
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; only a Running VM can migrate")
    if dest_id == vm.host_id:
        raise InvalidParameter(f"VM {vm.name} already runs on the requested host")
    explicit = {"host_id": dest_id} if dest_id is not None else {}
    need, _ = need_for(session, vm, {vm.host_id}, explicit)
    if adjust is not None:
        need = adjust(need)
    placement = planner.place(session, config, need, with_pool=False)
    if placement is None:
        return None
    src, dst = session.get(Host, vm.host_id), session.get(Host, placement.host_id)
    assert src is not None and dst is not None
    vm_states.STATE.apply(session, vm, "migrate")
    return {
        "vm": vm.instance_name,
        "src": src.guid,
        "dst": dst.guid,
        "dst_id": dst.id,
        "hv": src.hypervisor or "Simulator",
        "mock": _mj(simulator_mocks.take(session, COMMAND_MIGRATE, src)),
    }


def finish(session: Session, caller: Caller, vm_id: int, plan: dict[str, Any]) -> None:
    vm = vm_of(session, vm_id)
    src_id = vm.host_id
    dst = session.get(Host, plan["dst_id"])
    assert dst is not None and src_id is not None
    vm_states.STATE.apply(session, vm, "migrated")
    capacity.release_host(session, src_id, vm.cpu_number * vm.cpu_speed, _bytes(vm))
    vm.last_host_id, vm.host_id = src_id, dst.id
    vm.pod_id, vm.cluster_id = dst.pod_id, dst.cluster_id
    vm_event(session, caller, vm, "VM.MIGRATE", f"Migrated VM to host {dst.name}")


def abort(session: Session, vm_id: int, plan: dict[str, Any]) -> None:
    vm = vm_of(session, vm_id)
    capacity.release_host(session, plan["dst_id"], vm.cpu_number * vm.cpu_speed, _bytes(vm))
    vm_states.STATE.try_apply(session, vm, "migrate_failed")


def migrate(
    tx: Tx[Any], config: ConfigStore, caller: Caller, vm_id: int, dest_id: int | None
) -> None:
    plan = tx(lambda s: reserve(s, config, vm_id, dest_id))
    if plan is None:
        raise InsufficientCapacity(
            "No suitable host to migrate the VM to: none has enough free capacity "
            "and reaches the VM's storage"
        )
    answer = registry.driver_for(plan["hv"]).migrate_vm(
        plan["src"], plan["dst"], plan["vm"], _mock(plan["mock"])
    )
    if not answer.ok:
        tx(lambda s: abort(s, vm_id, plan))
        raise OperationFailed(f"Unable to migrate the VM: {answer.details}")
    tx(lambda s: finish(s, caller, vm_id, plan))


def suitable_hosts(session: Session, config: ConfigStore, vm: VMInstance) -> list[int]:
    """Hosts the VM could move to now (findHostsForMigration), best first."""
    need, _ = need_for(session, vm, {vm.host_id} if vm.host_id else set(), {})
    stmt = planner.candidate_query(config, need).order_by(Host.id).limit(100)
    return [row.id for row in session.execute(stmt)]


def running_on(session: Session, host_id: int) -> list[int]:
    return list(
        session.execute(
            select(VMInstance.id).where(
                VMInstance.host_id == host_id,
                VMInstance.removed.is_(None),
                VMInstance.state.in_((vm_states.RUNNING, vm_states.STARTING)),
            )
        ).scalars()
    )


def evacuate(tx: Tx[Any], config: ConfigStore, caller: Caller, host_id: int) -> list[str]:
    """Live-migrate every VM off the host; the names of those that could not move."""
    left: list[str] = []
    for vm_id in tx(lambda s: running_on(s, host_id)):
        try:
            migrate(tx, config, caller, vm_id, None)
        except Exception as exc:
            left.append(f"{tx(lambda s, i=vm_id: vm_of(s, i).name)} ({exc})")  # type: ignore[misc]
    return left
