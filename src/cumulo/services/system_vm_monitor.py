"""Keeps one secondary-storage VM and one console proxy running in every ready zone.

Runs on the hosts thread of every node, but only the live node with the
lowest msid acts, so two nodes never create a zone's system VMs at once. It
also gives zones their built-in/system template copies (clusters of a new
hypervisor may appear after the image store), and reports a zone whose system
VM template copy is missing with an ERROR event, once per change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import User
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.host import Host
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_MIGRATE, COMMAND_START, COMMAND_STOP, Answer
from cumulo.errors import InvalidParameter
from cumulo.runtime import Runtime
from cumulo.services import (
    builtin_templates,
    callers,
    events,
    public_ips,
    simulator_mocks,
    system_vms,
)
from cumulo.services.states import vm as vm_states

log = logging.getLogger(__name__)
T = TypeVar("T")
Run = Callable[[Callable[[Session], Any]], Any]

# Last reported template problem per zone, so the ERROR event is not repeated.
_reported: dict[int, str] = {}


def system_caller(session: Session) -> Caller:
    user = session.execute(select(User).where(User.username == "system").order_by(User.id))
    found = callers.caller_for_user(session, user.scalars().first().id)  # type: ignore[union-attr]
    assert found is not None
    return found[0]


def _leader(session: Session, msid: int | None) -> bool:
    lowest = session.execute(
        select(func.min(ManagementServer.msid)).where(ManagementServer.state == "Up")
    ).scalar()
    return msid is not None and lowest == msid


def tick(rt: Runtime) -> int:
    """One round; returns how many system VMs were started."""
    if not rt.accepting_jobs or not rt.db.run(lambda s: _leader(s, rt.msid)):
        return 0
    todo: list[int] = rt.db.run(_plan)
    started = 0
    for vm_id in todo:
        try:
            started += bool(start(rt.db.run, vm_id))
        except Exception:
            log.exception("starting system VM %s failed", vm_id)
    return started


def _plan(session: Session) -> list[int]:
    """Create what is missing; the ids of system VMs to start."""
    todo: list[int] = []
    for zone in session.execute(select(Zone).where(Zone.removed.is_(None))).scalars():
        builtin_templates.ensure_zone(session, zone)
        why = system_vms.blocker(session, zone)
        _report(session, zone, why)
        if why is not None:
            continue
        have = {vm.vm_type: vm for vm in system_vms.live_vms(session, zone.id)}
        for vm_type in system_vms.TYPES:
            vm = have.get(vm_type) or system_vms.create(session, zone, vm_type)
            if vm.state == vm_states.STOPPED:
                todo.append(vm.id)
    return todo


def _report(session: Session, zone: Zone, why: system_vms.Blocker | None) -> None:
    if why is None or not why.template:
        _reported.pop(zone.id, None)
        return
    if _reported.get(zone.id) == why.reason:
        return
    _reported[zone.id] = why.reason
    log.error("zone %s: %s", zone.name, why.reason)
    events.record(
        session,
        system_caller(session),
        "SSVM.CREATE",
        f"System VMs not started: {why.reason}",
        level="ERROR",
        resource_type="Zone",
        resource_uuid=zone.uuid,
    )


def start(run: Run, vm_id: int, exclude_host: int | None = None) -> bool:
    """Reserve a host, start through the driver, record the outcome."""

    def reserve(s: Session) -> tuple[str, Any, Any] | None:
        vm = s.get(VMInstance, vm_id)
        if vm is None or vm.state != vm_states.STOPPED:
            return None
        host = system_vms.pick_host(s, vm, exclude=exclude_host)
        if host is None:
            return None
        system_vms.reserve(s, vm, host)
        return host.guid, system_vms.spec(vm), simulator_mocks.take(s, COMMAND_START, host)

    planned = run(reserve)
    if planned is None:
        return False
    guid, spec, mock = planned
    try:
        answer = registry.driver_for("Simulator").start_vm(guid, spec, mock)
    except Exception as exc:
        answer = Answer(False, str(exc))

    def record(s: Session) -> bool:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        if answer.ok:
            vm_states.STATE.apply(s, vm, "started")
            return True
        system_vms.release(s, vm)
        vm_states.STATE.apply(s, vm, "start_failed")
        log.warning("system VM %s did not start: %s", vm.instance_name, answer.details)
        return False

    return bool(run(record))


def stop(run: Run, vm_id: int, forced: bool) -> None:
    def begin(s: Session) -> tuple[str, str, Any] | None:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        if vm.state == vm_states.STOPPED:
            return None
        vm_states.STATE.apply(s, vm, "stop")
        host = s.get(Host, vm.host_id) if vm.host_id else None
        if host is None:
            return None
        return host.guid, vm.instance_name, simulator_mocks.take(s, COMMAND_STOP, host)

    planned = run(begin)
    answer = Answer(True)
    if planned is not None:
        guid, name, mock = planned
        answer = registry.driver_for("Simulator").stop_vm(guid, name, force=forced, mock=mock)

    def finish(s: Session) -> None:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        if vm.state == vm_states.STOPPED:
            return
        if not answer.ok and not forced:
            vm_states.STATE.apply(s, vm, "stop_failed")
            return
        system_vms.release(s, vm)
        vm_states.STATE.apply(s, vm, "stopped")

    run(finish)
    if not answer.ok and not forced:
        raise InvalidParameter(
            f"Failed to stop the system VM: {answer.details}; retry with forced=true"
        )


def destroy(run: Run, vm_id: int) -> None:
    """Stop (forced), then expunge at once: the monitor creates a fresh one."""
    stop(run, vm_id, forced=True)

    def gone(s: Session) -> None:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        vm_states.STATE.apply(s, vm, "destroy")
        vm.mark_removed()
        public_ips.release_system(s, vm.zone_id, vm.public_ip)

    run(gone)


def migrate(run: Run, vm_id: int, dest_host_id: int | None) -> None:
    """Live-migrate a Running system VM to ``dest_host_id`` (or the best other host)."""

    def begin(s: Session) -> tuple[str, str, str, Any, int]:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        if vm.state != vm_states.RUNNING:
            raise InvalidParameter(f"{vm.instance_name} is {vm.state}; only a Running VM migrates")
        source = s.get(Host, vm.host_id)
        assert source is not None
        if dest_host_id is not None:
            dest = s.get(Host, dest_host_id)
            assert dest is not None
            if dest.id == source.id:
                raise InvalidParameter(f"{vm.instance_name} already runs on {dest.name}")
            fits = dest.total_memory - dest.memory_allocated >= vm.memory_mb * system_vms.MiB
            if dest.zone_id != vm.zone_id or dest.status != "Up" or not fits:
                raise InvalidParameter(
                    f"Host {dest.name} can't take {vm.instance_name}: it must be Up, in the "
                    "same zone and have enough free memory"
                )
        else:
            dest = system_vms.pick_host(s, vm, exclude=source.id)
            if dest is None:
                raise InvalidParameter(f"No other Up host can take {vm.instance_name}")
        vm_states.STATE.apply(s, vm, "migrate")
        mock = simulator_mocks.take(s, COMMAND_MIGRATE, source)
        return source.guid, dest.guid, vm.instance_name, mock, dest.id

    source_guid, dest_guid, name, mock, dest_id = run(begin)
    answer = registry.driver_for("Simulator").migrate_vm(source_guid, dest_guid, name, mock)

    def finish(s: Session) -> None:
        vm = s.get(VMInstance, vm_id)
        assert vm is not None
        if not answer.ok:
            vm_states.STATE.apply(s, vm, "migrate_failed")
            return
        system_vms.release(s, vm)
        system_vms.count_on(s, vm, dest_id)
        dest = s.get(Host, dest_id)
        assert dest is not None
        vm_states.STATE.apply(
            s, vm, "migrated", host_id=dest.id, pod_id=dest.pod_id, cluster_id=dest.cluster_id
        )

    run(finish)
    if not answer.ok:  # raised after the commit, so the VM is back to Running
        raise InvalidParameter(f"Migration of {name} failed: {answer.details}")
