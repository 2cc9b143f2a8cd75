"""Starting a VM: plan → reserve → create volumes → start, retrying on other hosts.

Each step is its own transaction and no lock is held across a driver call:
the reservation (host counters, pool counter, VM's host) commits before the
driver is asked, and is undone in one transaction if the driver refuses.
A job adopted by another node finds the VM in Starting and first undoes
whatever reservation the dead node left, then starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_CREATE_VOLUME, COMMAND_START, Mock, NicSpec, VmSpec
from cumulo.errors import InsufficientCapacity, InvalidParameter
from cumulo.services import nics, simulator_mocks
from cumulo.services.configuration import ConfigStore
from cumulo.services.placement import capacity, dedication, planner
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

log = logging.getLogger(__name__)
T = TypeVar("T")

# Hosts tried per start before giving up (CloudStack retries a few times too).
MAX_ATTEMPTS = 5


def need_for(  # type: ignore[no-untyped-def]
    session: Session,
    vm: VMInstance,
    avoid: set[int],
    explicit: dict[str, Any],
    vm_nics: list[Any] | None = None,
    vols: list[Any] | None = None,
):
    """The planner's request for this VM: size, tags, pinned pool, affinity, avoid-set.

    ``vm_nics``, ``vols``: the VM's ``nics.vm_nics`` and ``volumes_of``, when the
    caller has them already.
    """
    offering = session.get(ServiceOffering, vm.service_offering_id)
    assert offering is not None
    vols = volumes_of(session, vm.id) if vols is None else vols
    placed = [v for v in vols if v.pool_id is not None]
    pod_id, cluster_id = explicit.get("pod_id"), explicit.get("cluster_id")
    host_id = explicit.get("host_id")
    # A Basic-zone VM keeps its address, so it stays in the pod that address belongs to.
    pod_id = pod_id or nics.pinned_pod(session, vm.id, vm_nics)
    if placed:  # disks exist already: only hosts that reach their pool
        pool = session.get(StoragePool, placed[0].pool_id)
        assert pool is not None
        if pool.scope == "HOST":
            host_id = pool.host_id
        elif pool.scope == "CLUSTER":
            cluster_id = pool.cluster_id
    anti, only = planner.affinity(session, vm.id)
    return planner.Need(
        zone_id=vm.zone_id,
        cpu_number=vm.cpu_number,
        cpu_speed=vm.cpu_speed,
        memory_mb=vm.memory_mb,
        disk_bytes=sum(v.size for v in vols if v.pool_id is None),
        host_tags=planner.split_tags(offering.host_tags),
        storage_tags=planner.split_tags(offering.storage_tags),
        local_storage=offering.storage_type == "local",
        pod_id=pod_id,
        cluster_id=cluster_id,
        host_id=host_id,
        avoid_hosts=frozenset(avoid | anti),
        only_hosts=only,
        dedication=dedication.rule_for(session, vm) if vm.vm_type == VmType.USER else None,
    ), not placed


def begin(session: Session, vm_id: int, *, resumed: bool = False) -> str:
    """Stopped → Starting; an adopted job first undoes the dead node's reservation.

    Returns the state to go on from: Starting, or for a resumed run whose
    earlier attempt got further before its node died, Running (started) or
    Error (failed, everything released).
    """
    vm = vm_of(session, vm_id)
    if resumed and vm.state in (vm_states.RUNNING, vm_states.ERROR):
        return str(vm.state)
    if vm.state == vm_states.STARTING:
        if vm.host_id is not None:
            undo(session, vm_id, None)
        return vm_states.STARTING
    check_volumes_settled(session, vm)
    vm_states.STATE.apply(session, vm, "start")
    return vm_states.STARTING


def check_volumes_settled(session: Session, vm: VMInstance) -> None:
    """A VM does not start while one of its volumes moves between pools (431).

    Checked by startVirtualMachine and again when the start job begins, in case a
    migrateVolume slipped in between; migrateVolume itself wants a Stopped VM.
    """
    moving = [v.name for v in volumes_of(session, vm.id) if v.state == volume_states.MIGRATING]
    if moving:
        raise InvalidParameter(
            f"VM {vm.name} cannot start while its volume(s) {', '.join(moving)} are being "
            "migrated; start it when the migration has finished"
        )


def left_on_host(session: Session, vm_id: int) -> tuple[str, str, str] | None:
    """(hypervisor, host guid, instance name) of a start an earlier run left half done."""
    vm = vm_of(session, vm_id)
    if vm.state != vm_states.STARTING or vm.host_id is None:
        return None
    host = session.get(Host, vm.host_id)
    if host is None or host.guid is None:
        return None
    return host.hypervisor or "Simulator", host.guid, vm.instance_name


def stop_leftover(left: tuple[str, str, str] | None) -> None:
    """Best effort: the dead node may have started the VM before it could record it.

    Stopping a VM that is not there succeeds; a host that does not answer is
    left to the host monitor (the VM is not recorded as running there).
    """
    if left is None:
        return
    hypervisor, guid, name = left
    answer = registry.driver_for(hypervisor).stop_vm(guid, name, force=True)
    if not answer.ok:
        log.warning("could not stop %s left starting on host %s: %s", name, guid, answer.details)


def reserve(
    session: Session, config: ConfigStore, vm_id: int, avoid: set[int], explicit: dict[str, Any]
) -> dict[str, Any] | None:
    """Place and reserve in one transaction; the plan for the driver calls, or None."""
    vm = vm_of(session, vm_id)
    vm_nics = nics.vm_nics(session, vm.id)
    vols = volumes_of(session, vm.id)
    need, new_disks = need_for(session, vm, avoid, explicit, vm_nics, vols)
    placement = planner.place(session, config, need, with_pool=new_disks)
    if placement is None:
        return None
    vm.host_id, vm.pod_id, vm.cluster_id = placement.host_id, placement.pod_id, placement.cluster_id
    host = session.get(Host, placement.host_id)
    assert host is not None
    # Raises InsufficientCapacity (rolling the whole reservation back) if the pod is out
    # of guest addresses.
    if placement.pod_id is not None:
        nics.assign_pod_addresses(session, vm.id, placement.pod_id, vm_nics)
    vm.hypervisor = host.hypervisor
    fresh = [v for v in vols if v.pool_id is None]
    pool_id = placement.pool_id or next((v.pool_id for v in vols if v.pool_id), None)
    # Disks attached since the others were created go on the same pool.
    if (
        placement.pool_id is None
        and fresh
        and pool_id is not None
        and not capacity.reserve_pool(session, config, pool_id, sum(v.size for v in fresh))
    ):
        capacity.release_host(session, host.id, need.cpu_mhz, need.memory_bytes)
        vm.host_id = None
        return None
    create: list[dict[str, Any]] = []
    pool_json = None
    # One cheap look for any fault rule instead of two scoped ones per start.
    mocks = simulator_mocks.any_active(session)
    if fresh and pool_id is not None:
        pool = session.get(StoragePool, pool_id)
        assert pool is not None
        pool_json = pool_spec_json(pool)
        for vol in fresh:
            vol.pool_id = pool.id
            vol.state = volume_states.CREATING
            mock = _take(session, host, COMMAND_CREATE_VOLUME, mocks)
            create.append({"id": vol.id, "name": vol.name, "size": vol.size, "mock": mock})
    session.flush()
    from cumulo.services.vms.isos import iso_for_start  # isos uses this module's mock helpers

    return {
        "host_id": host.id,
        "guid": host.guid,
        "hypervisor": host.hypervisor or "Simulator",
        "pool": pool_json,
        "pool_id": pool_id,
        "disk_bytes": need.disk_bytes,
        "create": create,
        "vm": [vm.instance_name, vm.cpu_number, vm.cpu_speed, vm.memory_mb * 1024 * 1024],
        "nics": [_nic_json(n, net) for n, net in vm_nics],
        "start_mock": _take(session, host, COMMAND_START, mocks),
        "iso": iso_for_start(session, vm),
    }


def nic_spec_json(session: Session, nic: Any) -> dict[str, Any]:
    """A NIC as the driver plugs it (JSON, so it can travel in a job checkpoint)."""
    from cumulo.db.models.network import Network

    return _nic_json(nic, session.get(Network, nic.network_id))


def _nic_json(nic: Any, network: Any) -> dict[str, Any]:
    return {
        "mac": nic.mac_address,
        "ip": nic.ip4_address,
        "network": network.uuid if network else "",
        "device_id": nic.device_id,
        "default": nic.is_default,
        "netmask": nic.netmask,
        "gateway": nic.gateway,
        "broadcast_uri": nic.broadcast_uri,
    }


def _mj(mock: Mock | None) -> dict[str, Any] | None:
    if mock is None:
        return None
    return {
        "command": mock.command,
        "result": mock.result,
        "wait_ms": mock.wait_ms,
        "json_response": mock.json_response,
    }


def _take(session: Session, host: Host, command: str, mocks: bool) -> dict[str, Any] | None:
    """The host's fault rule for ``command`` (JSON), when any rule is active at all."""
    return _mj(simulator_mocks.take(session, command, host)) if mocks else None


def _mock(data: dict[str, Any] | None) -> Mock | None:
    return Mock(**data) if data else None


def run_on_host(plan: dict[str, Any]) -> tuple[bool, str, dict[int, str]]:
    """The driver calls; (ok, error text, {volume id: path created})."""
    driver = registry.driver_for(plan["hypervisor"])
    created: dict[int, str] = {}
    spec = spec_from_json(plan["pool"]) if plan["pool"] else None
    for disk in plan["create"]:
        assert spec is not None
        answer = driver.create_volume(spec, disk["name"], disk["size"], _mock(disk["mock"]))
        if not answer.ok:
            _destroy(driver, spec, created)
            return False, f"Unable to create volume {disk['name']}: {answer.details}", {}
        created[disk["id"]] = str(answer.data.get("path", ""))
    name, cpus, speed, memory = plan["vm"]
    spec_nics = tuple(NicSpec(**n) for n in plan.get("nics", []))
    answer = driver.start_vm(
        plan["guid"],
        VmSpec(name, cpus, speed, memory, details=_boot_details(plan), nics=spec_nics),
        _mock(plan["start_mock"]),
    )
    if not answer.ok:
        if spec is not None:
            _destroy(driver, spec, created)
        return False, answer.details or "start failed", {}
    return True, "", created


def _boot_details(plan: dict[str, Any]) -> dict[str, str]:
    """What the hypervisor boots the VM with besides its disks: the ISO in its CD-ROM drive."""
    return {"iso": plan["iso"]} if plan.get("iso") else {}


def _destroy(driver: Any, spec: Any, created: dict[int, str]) -> None:
    for path in created.values():
        driver.destroy_volume(spec, path)


def undo(session: Session, vm_id: int, plan: dict[str, Any] | None) -> None:
    """Give back a failed attempt's reservation (also what a dead node left)."""
    vm = vm_of(session, vm_id)
    if vm.host_id is not None:
        capacity.release_host(
            session, vm.host_id, vm.cpu_number * vm.cpu_speed, vm.memory_mb * 2**20
        )
        vm.last_host_id, vm.host_id = vm.host_id, None
    for vol in volumes_of(session, vm_id):
        if vol.state == volume_states.CREATING and vol.pool_id is not None:
            capacity.release_pool(session, vol.pool_id, vol.size)
            vol.pool_id, vol.state = None, volume_states.ALLOCATED
    session.flush()


def started(session: Session, caller: Caller, vm_id: int, created: dict[int, str]) -> None:
    vm = vm_of(session, vm_id)
    vm_states.STATE.apply(session, vm, "started")
    for vol in volumes_of(session, vm_id):
        if vol.id in created:
            vol.path, vol.state = created[vol.id], volume_states.READY
    for nic in nics_of(session, vm_id):
        nic.state = "Reserved"
    vm_event(session, caller, vm, "VM.START", "Started VM")


def nics_of(session: Session, vm_id: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from cumulo.db.models.nic import Nic

    return session.execute(
        select(Nic).where(Nic.instance_id == vm_id, Nic.removed.is_(None)).order_by(Nic.device_id)
    ).scalars()


def failed(session: Session, caller: Caller, vm_id: int, deploy: bool, error: str) -> None:
    """Out of hosts: a new VM goes to Error with everything released; an old one to Stopped."""
    vm = vm_of(session, vm_id)
    if vm.host_id is not None:
        undo(session, vm_id, None)
    if not deploy:
        vm_states.STATE.try_apply(session, vm, "start_failed")
        vm_event(session, caller, vm, "VM.START", f"Failed to start VM ({error})", "ERROR")
        return
    vm_states.STATE.try_apply(session, vm, "fail")
    nics.release_nics(session, vm_id)
    charges.release_vm(session, vm)
    for vol in volumes_of(session, vm_id):
        charges.release_volume(session, vol)
        vol.state = volume_states.EXPUNGED
        vol.mark_removed()
    vm_event(session, caller, vm, "VM.CREATE", f"Failed to deploy VM ({error})", "ERROR")


def start(
    tx: Tx[Any],
    config: ConfigStore,
    caller: Caller,
    vm_id: int,
    *,
    deploy: bool,
    explicit: dict[str, Any] | None = None,
    resumed: bool = False,
    result: Callable[[Session], T] | None = None,
    complete: Callable[[Session, T], None] | None = None,
) -> T | None:
    """Run the whole start; raises InsufficientCapacity after cleaning up on failure.

    ``resumed``: an earlier run of the same job was cut short (its node died);
    whatever it reserved or started is undone first, and a start it finished
    is not repeated. ``result(session)`` is computed in the transaction that
    records the start (the job's answer, without a transaction of its own) and
    returned; None when this run did not start the VM itself (already Running).
    ``complete(session, value)`` (``JobRun.complete``) may record that answer
    as the job's in the same transaction, when nothing else follows it.
    """
    if resumed:
        stop_leftover(tx(lambda s: left_on_host(s, vm_id)))
    avoid: set[int] = set()
    try:
        # The state change and the first reservation share a transaction.
        found, plan = tx(lambda s: _begin_and_reserve(s, config, vm_id, resumed, explicit or {}))
    except InsufficientCapacity:  # the loop below meets it again and cleans up
        found, plan = tx(lambda s: begin(s, vm_id, resumed=resumed)), _RESERVE
    if found == vm_states.RUNNING:
        return None
    if found == vm_states.ERROR:
        name = tx(lambda s: vm_of(s, vm_id).name)
        raise InsufficientCapacity(f"Unable to start VM {name}; it was put in Error before")
    errors: list[str] = []
    for _ in range(MAX_ATTEMPTS):
        if plan is _RESERVE:
            try:
                plan = tx(lambda s: reserve(s, config, vm_id, avoid, explicit or {}))
            except InsufficientCapacity as exc:  # e.g. the pod has no guest address left
                errors.append(str(exc))
                break
        if plan is None:
            break
        ok, error, created = run_on_host(plan)
        if ok:
            return _record_start(tx, caller, vm_id, created, result, complete)
        errors.append(error)
        avoid.add(plan["host_id"])
        tx(lambda s: undo(s, vm_id, None))
        plan = _RESERVE
    detail = errors[-1] if errors else "no host with enough free capacity"
    tx(lambda s: failed(s, caller, vm_id, deploy, detail))
    name = tx(lambda s: vm_of(s, vm_id).name)
    raise InsufficientCapacity(
        f"Unable to start VM {name}: tried {len(errors)} host(s); last error: {detail}"
        if errors
        else f"Unable to create a deployment for VM {name}: {detail}"
    )


# ``plan`` placeholder: no reservation made yet for this attempt.
_RESERVE: dict[str, Any] = {}


def _begin_and_reserve(
    session: Session, config: ConfigStore, vm_id: int, resumed: bool, explicit: dict[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    found = begin(session, vm_id, resumed=resumed)
    if found != vm_states.STARTING:
        return found, None
    return found, reserve(session, config, vm_id, set(), explicit)


def _record_start(
    tx: Tx[Any],
    caller: Caller,
    vm_id: int,
    created: dict[int, str],
    result: Callable[[Session], T] | None,
    complete: Callable[[Session, T], None] | None = None,
) -> T | None:
    """Running, in one transaction with the security-group pushes' plan and the answer.

    Without pushes to make this is the job's last transaction: ``complete``
    ends the job in it too (one write transaction fewer per start).
    """
    from cumulo.services import sg_rules

    def work(session: Session) -> tuple[list[dict[str, Any]], T | None]:
        started(session, caller, vm_id, created)
        pushes = sg_rules.targets_for_vm(session, vm_id)
        if result is None:
            return pushes, None
        value = result(session)
        if complete is not None and not pushes:
            complete(session, value)
        return pushes, value

    pushes, value = tx(work)
    sg_rules.push_targets(tx, caller, pushes)
    return cast("T | None", value)


def abandon_deploy(session: Session, caller: Caller, vm_id: int) -> str:
    """A deploy job that may not run again: leave its VM in a stable state, say which."""
    vm = vm_of(session, vm_id)
    if vm.state == vm_states.STOPPED and vm.last_host_id is None:  # never got going
        vm_states.STATE.apply(session, vm, "start")
    if vm.state == vm_states.STARTING:
        failed(session, caller, vm_id, True, "its job was interrupted")
        return f"VM {vm.name} was put in Error and its capacity, addresses and limits released"
    return f"VM {vm.name} is {vm.state}"
