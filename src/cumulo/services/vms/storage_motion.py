"""Migrating a VM together with its volumes (migrateVirtualMachineWithVolume).

A Running VM may change host and pools in one go (the simulator, like KVM with
storage motion, copies the disks while the VM runs); a Stopped VM only moves
its volumes. Everything is reserved in one transaction (the destination host
through ``migrate.reserve``, each pool through ``ops.reserve_move``), the
driver calls follow, and one more transaction moves the counters: the
source host and pools are released only once the copies exist, a failure
gives the destination reservations back and leaves the VM where it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.host import Host
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.drivers import registry
from cumulo.errors import InsufficientCapacity, InvalidParameter, OperationFailed
from cumulo.services import vm_snapshots
from cumulo.services.configuration import ConfigStore
from cumulo.services.placement import capacity, planner
from cumulo.services.states import vm as vm_states
from cumulo.services.states import volume as vol_states
from cumulo.services.vms import migrate
from cumulo.services.vms.common import Tx, vm_event, vm_of, volumes_of
from cumulo.services.vms.start import _mock, need_for
from cumulo.services.volumes import motion, ops

REFUSED = (
    "VM with VM snapshots cannot be migrated with its volumes, please remove all VM "
    "snapshots of the VM first"
)


def reaches(pool: StoragePool, host: Host) -> bool:
    """Whether ``host`` can use ``pool`` (zone-wide, its cluster's, or its local pool)."""
    if pool.scope == "ZONE":
        return pool.zone_id == host.zone_id
    if pool.scope == "CLUSTER":
        return pool.cluster_id == host.cluster_id
    return pool.host_id == host.id


def validate(
    session: Session,
    vm: VMInstance,
    dest: Host | None,
    moves: dict[Volume, StoragePool],
    autoselect: bool,
) -> None:
    """The checks a caller can act on before the job is queued (431)."""
    if vm.state not in (vm_states.RUNNING, vm_states.STOPPED):
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; only a Running or Stopped VM can be migrated"
        )
    if vm.state == vm_states.STOPPED and (dest is not None or autoselect):
        raise InvalidParameter(
            f"VM {vm.name} is Stopped: give only migrateto to move its volumes (a Stopped VM "
            "has no host; choose one with startVirtualMachine hostid=)"
        )
    if dest is None and not moves and not autoselect:
        raise InvalidParameter("Give hostid, migrateto (volume to pool) or autoselect=true")
    if dest is not None and dest.zone_id != vm.zone_id:
        raise InvalidParameter(f"Host {dest.name} is in another zone than VM {vm.name}")
    if dest is not None and dest.id == vm.host_id and not moves:
        raise InvalidParameter(
            f"VM {vm.name} already runs on host {dest.name}; give another host or migrateto"
        )
    vm_snapshots.refuse_if_snapshots(session, vm.id, REFUSED)
    # Without hostid or autoselect a Running VM stays on its host: the pools must suit it.
    if dest is None and not autoselect and vm.state == vm_states.RUNNING and vm.host_id:
        dest = session.get(Host, vm.host_id)
    for vol, pool in moves.items():
        if vol.instance_id != vm.id or vol.removed is not None:
            raise InvalidParameter(f"Volume {vol.uuid} is not attached to VM {vm.name}")
        if vol.state != vol_states.READY:
            raise InvalidParameter(f"Volume {vol.name} is {vol.state}; only Ready volumes move")
        ops.check_target(vol, pool)
        if dest is not None and not reaches(pool, dest):
            raise InvalidParameter(
                f"Host {dest.name} cannot reach pool {pool.name} ({pool.scope} scope): choose a "
                "pool of the host's cluster or a zone-wide pool"
            )


def _pins(
    session: Session, dest_id: int | None, moves: dict[int, int]
) -> tuple[int | None, int | None]:
    """(cluster, host) the chosen pools tie the VM to; the explicit host wins."""
    cluster_id, host_id = None, dest_id
    for pool_id in moves.values():
        pool = session.get(StoragePool, pool_id)
        assert pool is not None
        if pool.scope == "CLUSTER":
            cluster_id = pool.cluster_id
        elif pool.scope == "HOST" and host_id is None:
            host_id = pool.host_id
    return cluster_id, host_id


def _reserve_host(
    session: Session,
    config: ConfigStore,
    vm: VMInstance,
    dest_id: int | None,
    moves: dict[int, int],
) -> dict[str, Any] | None:
    """Reserve the destination host (None: the VM stays where it is)."""
    if vm.state != vm_states.RUNNING:
        return None
    if dest_id == vm.host_id or (dest_id is None and moves):
        vm_states.STATE.apply(session, vm, "migrate")  # storage motion on the same host
        return None
    cluster_id, host_id = _pins(session, dest_id, moves)

    def adjust(need: planner.Need) -> planner.Need:
        if dest_id is None and not moves:
            return need  # autoselect alone: stay with the current pools, as migrateVirtualMachine
        return replace(need, cluster_id=cluster_id, host_id=host_id)

    host_plan = migrate.reserve(session, config, vm.id, dest_id, adjust)
    if host_plan is None:
        raise InsufficientCapacity(
            "No suitable host to migrate the VM to: none has enough free capacity and reaches "
            "the chosen storage pools"
        )
    return host_plan


def _auto_pool(
    session: Session, config: ConfigStore, vm: VMInstance, vol: Volume, host: Host
) -> dict[str, Any]:
    """Reserve a pool the new host reaches for a volume the caller did not map."""
    need, _ = need_for(session, vm, set(), {})
    offering = session.get(DiskOffering, vol.disk_offering_id) if vol.disk_offering_id else None
    tags = planner.split_tags(offering.storage_tags) if offering else need.storage_tags
    need = replace(need, disk_bytes=vol.size, storage_tags=tags)
    for pool_id in planner.pools_for(session, config, need, host.id, host.cluster_id):
        pool = session.get(StoragePool, pool_id)
        assert pool is not None
        try:
            return ops.reserve_move(session, config, vol, pool)
        except InsufficientCapacity:
            continue  # filled since the query: try the next
    raise InsufficientCapacity(
        f"Volume {vol.name} must leave its pool (host {host.name} cannot reach it) but no pool "
        "of that host has room: map it to a pool with migrateto"
    )


def _check_stopped_layout(session: Session, vm: VMInstance, moves: dict[int, int]) -> None:
    """A Stopped VM's disks must end up where one host can reach them all."""
    clusters = set()
    for vol in volumes_of(session, vm.id):
        pool = session.get(StoragePool, moves.get(vol.id, vol.pool_id or 0))
        if pool is not None and pool.scope == "CLUSTER":
            clusters.add(pool.cluster_id)
    if len(clusters) > 1:
        raise InvalidParameter(
            f"The volumes of VM {vm.name} would end up in different clusters; map them to pools "
            "of one cluster or to zone-wide pools"
        )


def reserve(
    session: Session, config: ConfigStore, vm_id: int, dest_id: int | None, moves: dict[int, int]
) -> dict[str, Any]:
    """Reserve host and pools, mark VM and volumes Migrating: the job's plan."""
    vm = vm_of(session, vm_id)
    if vm.state == vm_states.STOPPED:
        _check_stopped_layout(session, vm, moves)
    host_plan = _reserve_host(session, config, vm, dest_id, moves)
    host_id = host_plan["dst_id"] if host_plan else vm.host_id
    host = session.get(Host, host_id) if host_id is not None else None
    vols = []
    for vol in volumes_of(session, vm.id):
        if vol.pool_id is None or not vol.path:
            continue
        target = moves.get(vol.id)
        if target is not None:
            pool = session.get(StoragePool, target)
            assert pool is not None
            ops.check_target(vol, pool)
            if host is not None and not reaches(pool, host):
                raise InvalidParameter(
                    f"Host {host.name} cannot reach pool {pool.name}: map volume {vol.name} to "
                    "a pool of the host's cluster or a zone-wide pool"
                )
            vols.append(ops.reserve_move(session, config, vol, pool))
        elif host is not None and not reaches(_pool(session, vol.pool_id), host):
            vols.append(_auto_pool(session, config, vm, vol, host))
    return {"host": host_plan, "vols": vols, "running": vm.state == vm_states.MIGRATING}


def _pool(session: Session, pool_id: int) -> StoragePool:
    pool = session.get(StoragePool, pool_id)
    assert pool is not None
    return pool


def _finish(session: Session, caller: Caller, vm_id: int, plan: dict[str, Any]) -> None:
    for vol in plan["vols"]:
        ops.finish_migrate(session, caller, vol["vol_id"], vol, vol["new_path"])
    if plan["host"] is not None:
        migrate.finish(session, caller, vm_id, plan["host"])
        return
    vm = vm_of(session, vm_id)
    if plan["running"]:
        vm_states.STATE.apply(session, vm, "migrated")
    pools = ", ".join(v["dst"]["uuid"] for v in plan["vols"])
    vm_event(session, caller, vm, "VM.MIGRATE", f"Migrated the VM's volumes to pools {pools}")


def abort(session: Session, caller: Caller, vm_id: int, plan: dict[str, Any]) -> None:
    """Give the destination reservations back; VM and volumes stay where they were."""
    for vol in plan["vols"]:
        row = session.get(Volume, vol["vol_id"])
        if row is not None and row.state == vol_states.MIGRATING:
            ops.finish_migrate(session, caller, vol["vol_id"], vol, None)
    vm = vm_of(session, vm_id)
    if plan["host"] is not None:
        migrate.abort(session, vm_id, plan["host"])
    elif plan["running"]:
        vm_states.STATE.try_apply(session, vm, "migrate_failed")


def _move_data(plan: dict[str, Any]) -> str | None:
    """The driver calls; the failure text, or None when everything moved."""
    for vol in plan["vols"]:
        path, details = motion.copy(vol)
        if path is None:
            return f"copying volume {vol['name']} failed: {details}"
        vol["new_path"] = path
    host = plan["host"]
    if host is not None:
        answer = registry.driver_for(host["hv"]).migrate_vm(
            host["src"], host["dst"], host["vm"], _mock(host["mock"])
        )
        if not answer.ok:
            return f"moving the VM failed: {answer.details}"
    for vol in plan["vols"]:
        motion.drop(vol, "src", vol["path"])
    return None


def run(tx: Tx[Any], caller: Caller, vm_id: int, plan: dict[str, Any]) -> None:
    """Move the data and the VM as reserved in ``plan``; raise 530 when the host refuses."""
    error = _move_data(plan)
    if error is not None:
        for vol in plan["vols"]:
            if vol.get("new_path"):
                motion.drop(vol, "dst", vol["new_path"])
        tx(lambda s: abort(s, caller, vm_id, plan))
        raise OperationFailed(f"Unable to migrate the VM with its volumes: {error}")
    tx(lambda s: _finish(s, caller, vm_id, plan))


def pools_for_volume(
    session: Session, config: ConfigStore, vol: Volume
) -> list[tuple[StoragePool, bool]]:
    """findStoragePoolsForMigration: every other pool of the zone, and whether it suits.

    A pool suits when it is Up, has room for the volume, carries the volume's
    storage tags and is usable where the volume is needed: from the VM's host
    when the VM runs (only the volume moves), else from any host.
    """
    if vol.state != vol_states.READY or vol.pool_id is None or not vol.path:
        return []  # CloudStack lists nothing for a volume that cannot move now
    vm = session.get(VMInstance, vol.instance_id) if vol.instance_id else None
    host = session.get(Host, vm.host_id) if vm is not None and vm.host_id else None
    offering = session.get(DiskOffering, vol.disk_offering_id) if vol.disk_offering_id else None
    tags = planner.split_tags(offering.storage_tags if offering else None)
    rows = session.execute(
        select(StoragePool, capacity.pool_fits(config, vol.size))
        .where(
            StoragePool.zone_id == vol.zone_id,
            StoragePool.removed.is_(None),
            StoragePool.id != vol.pool_id,
        )
        .order_by(StoragePool.id)
    ).all()
    out = []
    for pool, fits in rows:
        have = set(planner.split_tags(pool.tags))
        usable = reaches(pool, host) if host is not None else pool.scope != "HOST"
        ok = pool.status == "Up" and bool(fits) and usable and set(tags) <= have
        out.append((pool, ok))
    return out
