"""Snapshot policies run: scheduled snapshots, retention, one node at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cumulo.services import snapshot_scheduler
from cumulo.services.snapshot_schedule import next_run
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy


def test_next_run_follows_schedule_and_timezone() -> None:
    sunday = datetime(2026, 11, 22, 6, 40, tzinfo=UTC)
    assert next_run("HOURLY", "5", "UTC", sunday) == datetime(2026, 11, 22, 7, 5, tzinfo=UTC)
    # India is UTC+5:30: minute 45 local is minute 15 UTC.
    assert next_run("HOURLY", "45", "Asia/Kolkata", sunday).minute == 15
    assert next_run("DAILY", "30:02", "Europe/Berlin", sunday) == datetime(
        2026, 11, 23, 1, 30, tzinfo=UTC
    )
    # Day 1 is Sunday: later today, or a week on when today's time has passed.
    assert next_run("WEEKLY", "0:10:1", "UTC", sunday) == datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert next_run("WEEKLY", "0:5:1", "UTC", sunday) == datetime(2026, 11, 29, 5, tzinfo=UTC)
    assert next_run("MONTHLY", "0:0:1", "UTC", sunday) == datetime(2026, 12, 1, tzinfo=UTC)
    december = datetime(2026, 12, 20, tzinfo=UTC)
    assert next_run("MONTHLY", "0:0:1", "UTC", december) == datetime(2027, 1, 1, tzinfo=UTC)
    # Summer time in Berlin: 02:30 local is 00:30 UTC.
    july = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert next_run("DAILY", "30:02", "Europe/Berlin", july).hour == 0


def _scheduled(api: Any, vol_id: str) -> list[dict[str, Any]]:
    snaps = api.call("listSnapshots", volumeid=vol_id, snapshottype="RECURRING")
    return snaps.get("snapshot", [])  # type: ignore[no-any-return]


def test_policy_takes_snapshots_and_keeps_maxsnaps(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="sched")["virtualmachine"]
    root = api.call("listVolumes", virtualmachineid=vm["id"], type="ROOT")["volume"][0]
    # Half an hour away, so the node's own scheduler (real clock) stays out of the way.
    minute = (datetime.now(UTC).minute + 30) % 60
    policy = api.call(
        "createSnapshotPolicy",
        volumeid=root["id"],
        intervaltype="HOURLY",
        schedule=str(minute),
        timezone="UTC",
        maxsnaps=2,
    )["snapshotpolicy"]
    assert policy["maxsnaps"] == 2
    rt = cloud.rt
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    assert snapshot_scheduler.tick(rt, start) == 0  # not due before its minute
    assert _scheduled(api, root["id"]) == []
    # Another node cannot run the scheduler while this one holds the lease.
    assert rt.db.run(lambda s: snapshot_scheduler.plan(s, rt.config, 999_999, start)) is None
    taken = []
    for hour in range(1, 4):
        assert snapshot_scheduler.tick(rt, start + timedelta(hours=hour)) == 1
        taken.append({s["id"] for s in _scheduled(api, root["id"])})
    # A second tick in the same hour takes nothing: the policy moved on.
    assert snapshot_scheduler.tick(rt, start + timedelta(hours=3)) == 0
    snaps = _scheduled(api, root["id"])
    assert len(snaps) == 2 and {s["intervaltype"] for s in snaps} == {"HOURLY"}
    assert all(s["state"] == "BackedUp" for s in snaps)
    first = next(iter(taken[0]))
    assert first not in {s["id"] for s in snaps}  # the oldest went
    assert taken[2] == {s["id"] for s in snaps}
    # A failing host skips a round without touching what is kept.
    api.call("configureSimulator", name="CreateSnapshotCommand", value="result:fail", count=1)
    assert snapshot_scheduler.tick(rt, start + timedelta(hours=4)) == 0
    assert {s["id"] for s in _scheduled(api, root["id"])} == taken[2]
    # Deleting the policy stops it.
    api.call("deleteSnapshotPolicies", id=policy["id"])
    assert snapshot_scheduler.tick(rt, start + timedelta(hours=6)) == 0
