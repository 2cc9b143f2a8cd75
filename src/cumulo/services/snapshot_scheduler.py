"""Recurring snapshots: the periodic task that runs the snapshot policies.

One node at a time (task lease ``snapshot.scheduler``) picks the policies
whose ``next_run`` has passed, moves ``next_run`` on and allocates the
snapshots in one transaction, so no policy fires twice; then it takes each
snapshot through the driver and deletes the oldest scheduled snapshots of the
policy beyond ``maxsnaps``. Runs missed while no node was up are not caught
up: one snapshot is taken and the schedule continues from now, as CloudStack
does. ``tick(rt, now)`` takes the clock as an argument for tests.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.cluster import periodic
from cumulo.db.base import utcnow
from cumulo.db.models.snapshot import Snapshot, SnapshotPolicy
from cumulo.db.models.volume import Volume
from cumulo.errors import CumuloError
from cumulo.runtime import Runtime
from cumulo.services import events, snapshots, task_leases
from cumulo.services.configuration import ConfigStore
from cumulo.services.snapshot_schedule import next_run
from cumulo.services.system_vm_monitor import system_caller

log = logging.getLogger(__name__)
LEASE = "snapshot.scheduler"
INTERVAL_SECONDS = 60.0
BATCH = 50


def _skip(session: Session, caller: Caller, policy: SnapshotPolicy, vol: Volume, why: str) -> None:
    text = f"Scheduled {policy.interval_type} snapshot of volume {vol.name} skipped: {why}"
    events.record_for(session, caller, vol, "Volume", "SNAPSHOT.CREATE", text, "ERROR")


def plan(
    session: Session, config: ConfigStore, msid: int, now: datetime
) -> tuple[Caller, list[tuple[int, int]]] | None:
    """Under the lease: advance due policies and allocate their snapshots."""
    if not task_leases.acquire(session, LEASE, msid, INTERVAL_SECONDS * 2 + 5):
        return None
    caller = system_caller(session)
    due = session.execute(
        select(SnapshotPolicy)
        .where(
            SnapshotPolicy.removed.is_(None),
            SnapshotPolicy.active.is_(True),
            or_(SnapshotPolicy.next_run.is_(None), SnapshotPolicy.next_run <= now),
        )
        .order_by(SnapshotPolicy.id)
        .limit(BATCH)
    ).scalars()
    taken: list[tuple[int, int]] = []
    for policy in list(due):
        fire = policy.next_run is not None  # a policy never planned is only planned
        policy.next_run = next_run(policy.interval_type, policy.schedule, policy.timezone, now)
        vol = session.get(Volume, policy.volume_id)
        if vol is None or vol.removed is not None:
            policy.mark_removed()  # CloudStack drops the policies of a deleted volume
            continue
        if not fire:
            continue
        try:
            with session.begin_nested():
                snap = snapshots.allocate(session, config, caller, vol, None)
                snap.snapshot_type, snap.policy_id = policy.interval_type, policy.id
        except CumuloError as exc:  # volume busy or detached from storage, limit reached
            _skip(session, caller, policy, vol, str(exc))
            continue
        taken.append((policy.id, snap.id))
    return caller, taken


def surplus(session: Session, policy_id: int) -> list[int]:
    """The policy's oldest snapshots beyond its ``maxsnaps``."""
    policy = session.get(SnapshotPolicy, policy_id)
    if policy is None:
        return []
    kept = list(
        session.execute(
            select(Snapshot.id)
            .where(
                Snapshot.policy_id == policy_id,
                Snapshot.removed.is_(None),
                Snapshot.state == "BackedUp",
            )
            .order_by(Snapshot.created, Snapshot.id)
        ).scalars()
    )
    return kept[: max(len(kept) - policy.max_snaps, 0)]


def tick(rt: Runtime, now: datetime | None = None) -> int:
    """One scheduler round; how many scheduled snapshots were taken."""
    msid = rt.msid
    if msid is None:
        return 0
    when = now or utcnow()
    planned = rt.db.run(lambda s: plan(s, rt.config, msid, when))
    if planned is None:
        return 0
    caller, taken = planned
    done = 0
    for policy_id, snap_id in taken:
        error = snapshots.take(rt.db.run, caller, snap_id)
        if error is not None:
            log.warning("scheduled snapshot %s failed: %s", snap_id, error)
            continue
        done += 1
        for old in rt.db.run(lambda s, p=policy_id: surplus(s, p)):  # type: ignore[misc]
            snapshots.discard(rt.db.run, caller, old)
    return done


periodic.register("snapshot-scheduler", lambda rt: INTERVAL_SECONDS, tick)
