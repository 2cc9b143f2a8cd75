"""Volume snapshots (taken through the driver) and snapshot policies."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.snapshot import Snapshot, SnapshotPolicy
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.drivers import registry
from cumulo.drivers.base import (
    COMMAND_CREATE_SNAPSHOT,
)
from cumulo.errors import InvalidParameter
from cumulo.services import events, limits
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import same_owner
from cumulo.services.snapshot_schedule import next_run
from cumulo.services.states import volume as volume_states
from cumulo.services.vms.common import Tx, pool_spec_json, spec_from_json
from cumulo.services.vms.start import _mj, _mock

INTERVALS = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY")
# CloudStack's schedule formats: minute, minute:hour, minute:hour:day.
SCHEDULES = {
    "HOURLY": (re.compile(r"^(\d{1,2})$"), "MM"),
    "DAILY": (re.compile(r"^(\d{1,2}):(\d{1,2})$"), "MM:HH"),
    "WEEKLY": (re.compile(r"^(\d{1,2}):(\d{1,2}):(\d)$"), "MM:HH:DD (day of week 1-7)"),
    "MONTHLY": (re.compile(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})$"), "MM:HH:DD (day 1-28)"),
}


def record(session: Session, caller: Caller, snap: Snapshot, kind: str, text: str) -> None:
    events.record_for(session, caller, snap, "Snapshot", kind, f"{text}: {snap.name}")


def allocate(
    session: Session, config: ConfigStore, caller: Caller, vol: Volume, name: str | None
) -> Snapshot:
    if vol.removed is not None or vol.state != volume_states.READY or not vol.path:
        raise InvalidParameter(
            f"Volume {vol.name} is {vol.state}"
            + ("" if vol.path else " and not created on storage yet")
            + "; only a Ready volume on a pool can be snapshotted"
        )
    if vol.instance_id is not None:
        vm = session.get(VMInstance, vol.instance_id)
        if vm is not None and vm.state not in ("Running", "Stopped"):
            raise InvalidParameter(f"VM {vm.name} is {vm.state}; wait for it to settle")
    limits.consume(session, config, vol.account_id, ResourceType.SNAPSHOT)
    limits.consume(session, config, vol.account_id, ResourceType.SECONDARY_STORAGE, vol.size)
    snap = Snapshot(
        name="pending",
        volume_id=vol.id,
        zone_id=vol.zone_id,
        state="Allocated",
        size=vol.size,
        **same_owner(vol),
    )
    session.add(snap)
    session.flush()
    vm_name = None
    if vol.instance_id is not None:
        vm = session.get(VMInstance, vol.instance_id)
        vm_name = vm.name if vm else None
    snap.name = name or f"{vm_name or 'detached'}_{vol.name}_{snap.created:%Y%m%d%H%M%S}"
    return snap


def begin(session: Session, snap_id: int) -> dict[str, Any]:
    """Snapshot → Creating, volume → Snapshotting; what the driver needs."""
    snap = session.get(Snapshot, snap_id)
    assert snap is not None
    vol = session.get(Volume, snap.volume_id)
    assert vol is not None and vol.pool_id is not None
    pool = session.get(StoragePool, vol.pool_id)
    assert pool is not None
    if vol.state != volume_states.SNAPSHOTTING:  # not already done by an adopted attempt
        volume_states.STATE.apply(session, vol, "snapshot")
    snap.state = "Creating"
    from cumulo.db.models.host import Host
    from cumulo.services import simulator_mocks

    vm = session.get(VMInstance, vol.instance_id) if vol.instance_id else None
    host = session.get(Host, (vm.host_id or vm.last_host_id or 0) if vm else 0)
    mock = simulator_mocks.take(session, COMMAND_CREATE_SNAPSHOT, host) if host else None
    snap.hypervisor = pool.hypervisor or (vm.hypervisor if vm else None)
    return {
        "pool": pool_spec_json(pool),
        "path": vol.path,
        "hv": snap.hypervisor or "Simulator",
        "mock": _mj(mock),
    }


def finish(session: Session, caller: Caller, snap_id: int, path: str | None, error: str) -> None:
    snap = session.get(Snapshot, snap_id)
    assert snap is not None
    vol = session.get(Volume, snap.volume_id)
    assert vol is not None
    volume_states.STATE.try_apply(session, vol, "snapshotted")
    if path is None:
        snap.state = "Error"
        _release(session, snap)
        snap.mark_removed()
        record(session, caller, snap, "SNAPSHOT.CREATE", f"Snapshot failed ({error})")
        return
    snap.state, snap.path, snap.physical_size = "BackedUp", path, snap.size
    record(session, caller, snap, "SNAPSHOT.CREATE", "Created snapshot")


def take(tx: Tx[Any], caller: Caller, snap_id: int) -> str | None:
    """Copy the volume on its driver; None when BackedUp, else the error (snapshot removed)."""
    plan = tx(lambda s: begin(s, snap_id))
    answer = registry.driver_for(plan["hv"]).create_snapshot(
        spec_from_json(plan["pool"]), plan["path"], _mock(plan["mock"])
    )
    path = str(answer.data.get("path")) if answer.ok else None
    tx(lambda s: finish(s, caller, snap_id, path, answer.details))
    return None if path is not None else (answer.details or "the driver refused")


def discard(tx: Tx[Any], caller: Caller, snap_id: int) -> None:
    """Delete the snapshot row, then its copy (deleting a copy is idempotent)."""

    def work(s: Session) -> dict[str, Any] | None:
        snap = s.get(Snapshot, snap_id)
        assert snap is not None
        return delete(s, caller, snap)

    copy = tx(work)
    if copy is not None:
        registry.driver_for(copy["hv"]).delete_snapshot(copy["path"])


def _release(session: Session, snap: Snapshot) -> None:
    limits.release(session, snap.account_id, ResourceType.SNAPSHOT)
    limits.release(session, snap.account_id, ResourceType.SECONDARY_STORAGE, snap.size)


def delete(session: Session, caller: Caller, snap: Snapshot) -> dict[str, Any] | None:
    if snap.removed is not None:
        raise InvalidParameter(f"Snapshot {snap.uuid} is already deleted")
    if snap.state not in ("BackedUp", "Error"):
        raise InvalidParameter(f"Snapshot {snap.name} is {snap.state}; wait for it to finish")
    _release(session, snap)
    snap.state = "Destroyed"
    snap.mark_removed()
    record(session, caller, snap, "SNAPSHOT.DELETE", "Deleted snapshot")
    return {"path": snap.path, "hv": snap.hypervisor or "Simulator"} if snap.path else None


def check_revert(session: Session, snap: Snapshot) -> dict[str, Any]:
    if snap.removed is not None or snap.state != "BackedUp":
        raise InvalidParameter(f"Snapshot {snap.name} is {snap.state}; it cannot be reverted to")
    vol = session.get(Volume, snap.volume_id)
    if vol is None or vol.removed is not None or vol.pool_id is None or not vol.path:
        raise InvalidParameter(f"The volume of snapshot {snap.name} no longer exists")
    if vol.instance_id is not None:
        vm = session.get(VMInstance, vol.instance_id)
        if vm is not None and vm.state != "Stopped":
            raise InvalidParameter(
                f"VM {vm.name} is {vm.state}; stop it before reverting its volume to a snapshot"
            )
    pool = session.get(StoragePool, vol.pool_id)
    assert pool is not None
    return {
        "pool": pool_spec_json(pool),
        "path": vol.path,
        "snap": snap.path,
        "hv": snap.hypervisor or "Simulator",
    }


def check_schedule(interval: str, schedule: str) -> str:
    kind = interval.strip().upper()
    if kind not in INTERVALS:
        raise InvalidParameter(f"Invalid intervaltype {interval!r}; use {', '.join(INTERVALS)}")
    pattern, shape = SCHEDULES[kind]
    m = pattern.match(schedule.strip())
    if not m:
        raise InvalidParameter(f"Invalid schedule {schedule!r} for {kind}; use {shape}")
    parts = [int(x) for x in m.groups()]
    bounds = [(0, 59), (0, 23), (1, 7 if kind == "WEEKLY" else 28)]
    for value, (low, high) in zip(parts, bounds, strict=False):
        if not low <= value <= high:
            raise InvalidParameter(f"Invalid schedule {schedule!r} for {kind}; use {shape}")
    return kind


def create_policy(
    session: Session,
    caller: Caller,
    vol: Volume,
    interval: str,
    schedule: str,
    timezone: str,
    max_snaps: int,
) -> SnapshotPolicy:
    kind = check_schedule(interval, schedule)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameter(f"Unknown timezone {timezone!r}; use an IANA name") from None
    if max_snaps <= 0:
        raise InvalidParameter("maxsnaps must be a positive number")
    if vol.removed is not None:
        raise InvalidParameter(f"Volume {vol.uuid} has been removed")
    policy = session.execute(
        select(SnapshotPolicy).where(
            SnapshotPolicy.volume_id == vol.id,
            SnapshotPolicy.interval_type == kind,
            SnapshotPolicy.removed.is_(None),
        )
    ).scalar_one_or_none()
    if policy is None:  # one policy per interval per volume: a second call updates it
        policy = SnapshotPolicy(
            volume_id=vol.id,
            interval_type=kind,
            account_id=vol.account_id,
            domain_id=vol.domain_id,
            domain_path=vol.domain_path,
        )
        session.add(policy)
    policy.schedule, policy.timezone, policy.max_snaps = schedule.strip(), timezone, max_snaps
    policy.next_run = next_run(kind, policy.schedule, timezone, utcnow())
    session.flush()
    events.record(
        session,
        caller,
        "SNAPSHOTPOLICY.CREATE",
        f"Snapshot policy {kind} for volume {vol.name}",
        resource_type="SnapshotPolicy",
        resource_uuid=policy.uuid,
        account_id=vol.account_id,
        domain_id=vol.domain_id,
        domain_path=vol.domain_path,
    )
    return policy
