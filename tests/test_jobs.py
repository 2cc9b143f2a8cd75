"""The job runtime: adoption outcomes, fencing tokens, attempt bound, housekeeping, wake-up."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import REGISTRY, Command, Kind, command
from cumulo.api.params import UUID, Param
from cumulo.api.results import Enqueue, SuccessResult
from cumulo.db.database import db_now
from cumulo.db.models.account import User
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.config import ConfigValue
from cumulo.db.models.domain import Domain
from cumulo.db.models.job import AsyncJob
from cumulo.jobs import housekeeping, leases
from cumulo.jobs.context import JobInterrupted, JobRun
from cumulo.services import task_leases
from cumulo.services.callers import caller_for_user
from tests.support import cloud as cloud_support
from tests.support.cloud import Cloud, running_cloud
from tests.support.jobs import build_tree, job_row, live_in_subtree, open_db, wait_for
from tests.support.server import LiveServer

GHOST_MSID = 424242


@pytest.fixture
def fast_cloud(tmp_path: Path) -> Iterator[Cloud]:
    settings = cloud_support.test_settings(
        tmp_path / "data", heartbeat_interval=0.2, heartbeat_threshold=1.0, job_lease_seconds=3
    )
    with running_cloud(settings) as c:
        yield c


def _ghost_node(session: Session) -> None:
    """A peer that was Up and then fell silent (its process died)."""
    now = db_now(session)
    session.add(
        ManagementServer(
            name="ghost",
            msid=GHOST_MSID,
            service_ip="127.0.0.9",
            version="0.1.0",
            run_id=1,
            last_update=now,
            state="Up",
        )
    )


def _orphan_job(cloud: Cloud, name: str, payload: dict[str, Any], attempts: int = 1) -> str:
    """A job the ghost was running, its lease still a minute away from expiry."""

    def work(session: Session) -> str:
        if session.execute(
            select(ManagementServer).where(ManagementServer.name == "ghost")
        ).first():
            pass
        else:
            _ghost_node(session)
        admin_id = session.execute(select(User.id).where(User.username == "admin")).scalar_one()
        found = caller_for_user(session, admin_id)
        assert found is not None
        caller = found[0]
        job = AsyncJob(
            command=name,
            payload=json.dumps({"payload": payload, "caller": caller.to_json()}),
            user_id=caller.user_id,
            account_id=caller.account_id,
            domain_id=caller.domain_id,
            domain_path=caller.domain_path,
            owner_msid=GHOST_MSID,
            lease_expires=db_now(session) + timedelta(minutes=1),
            attempts=attempts,
            instance_type="Domain",
            instance_uuid=payload.get("uuid"),
        )
        session.add(job)
        session.flush()
        return job.uuid

    return cloud.rt.db.run(work)


# A command that cannot be resumed: it says how to roll itself back.
calls: list[str] = []


@pytest.fixture
def fragile() -> Iterator[Command]:
    def handler(call: Call, args: Args) -> Enqueue:
        return Enqueue({"domain_id": args.id.id, "uuid": args.id.uuid})

    cmd = command(
        "fragileRenameTest",
        params=[Param("id", UUID, entity="Domain", required=True)],
        kind=Kind.ASYNC,
    )(handler)

    @cmd.execute
    def run(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
        calls.append("execute")
        return SuccessResult()

    @cmd.compensate
    def undo(job: JobRun, payload: dict[str, Any]) -> str:
        calls.append("compensate")

        def work(session: Session) -> str:
            domain = session.get(Domain, payload["domain_id"])
            domain.network_domain = None  # the half-applied change, undone
            return f"The change to domain {domain.name} was rolled back"

        return job.transaction(work)

    calls.clear()
    yield cmd
    REGISTRY.pop(cmd.name.lower(), None)


def test_orphan_of_a_dead_node_is_compensated_promptly(fast_cloud: Cloud, fragile: Command) -> None:
    cloud = fast_cloud
    top = build_tree(cloud.rt.db, "target", 0, depth=0)
    cloud.rt.db.run(
        lambda s: s.execute(
            update(Domain).where(Domain.id == top.id).values(network_domain="half.done")
        )
    )
    started = time.monotonic()
    jobid = _orphan_job(cloud, fragile.name, {"domain_id": top.id, "uuid": top.uuid})
    job = cloud.admin.wait_job(jobid, timeout=15)
    took = time.monotonic() - started

    assert job["jobstatus"] == 2
    assert job["jobresultcode"] == 530
    text = job["jobresult"]["errortext"]
    assert "was interrupted because management server ghost stopped" in text
    assert "fragileRenameTest cannot be resumed" in text
    assert "The change to domain target was rolled back" in text
    assert calls == ["compensate"]  # never run a second time
    assert cloud.rt.db.run(lambda s: s.get(Domain, top.id).network_domain) is None
    # The lease had a minute to go: adoption came from the Down verdict.
    assert took < 8
    servers = cloud.admin.call("listManagementServers", name="ghost")["managementserver"]
    assert servers[0]["state"] == "Down"


def test_resumable_orphan_is_resumed(fast_cloud: Cloud) -> None:
    cloud = fast_cloud
    top = build_tree(cloud.rt.db, "tree", 5)
    jobid = _orphan_job(cloud, "deleteDomain", {"domain_id": top.id, "cleanup": True})
    job = cloud.admin.wait_job(jobid, timeout=15)
    assert job["jobstatus"] == 1, job
    assert live_in_subtree(cloud.rt.db, top.path) == 0
    assert job_row(cloud.rt.db, jobid).attempts == 2


def test_job_interrupted_too_often_is_failed_not_retried(fast_cloud: Cloud) -> None:
    cloud = fast_cloud
    top = build_tree(cloud.rt.db, "tree", 5)
    limit = cloud.settings.job_max_attempts
    jobid = _orphan_job(
        cloud, "deleteDomain", {"domain_id": top.id, "cleanup": True}, attempts=limit
    )
    job = cloud.admin.wait_job(jobid, timeout=15)
    assert job["jobstatus"] == 2
    assert job["jobresultcode"] == 530
    text = job["jobresult"]["errortext"]
    assert f"it was interrupted {limit} times, the limit is {limit}" in text
    assert "Domain tree is still Active with 30 subdomain(s) left" in text
    assert live_in_subtree(cloud.rt.db, top.path) == 31  # nothing more was deleted


def test_job_of_a_command_that_no_longer_exists_fails(cloud: Cloud) -> None:
    jobid = _orphan_job(cloud, "retiredCommand", {})
    cloud.rt.db.run(
        lambda s: leases.expire_owned_by(s, [GHOST_MSID])
    )  # as when the ghost is declared Down
    job = cloud.admin.wait_job(jobid, timeout=15)
    assert job["jobstatus"] == 2
    assert job["jobresultcode"] == 530
    assert "The command retiredCommand" in job["jobresult"]["errortext"]
    assert "is not known to management server test-node" in job["jobresult"]["errortext"]


def test_a_run_that_lost_its_lease_cannot_commit(cloud: Cloud) -> None:
    db = cloud.rt.db
    jobid = _orphan_job(cloud, "retiredCommand", {})
    job_id = job_row(db, jobid).id
    # This run holds the job (attempt 5) ...
    db.run(
        lambda s: s.execute(
            update(AsyncJob)
            .where(AsyncJob.id == job_id)
            .values(owner_msid=cloud.rt.msid, attempts=5)
        )
    )
    row = job_row(db, jobid)
    run = JobRun(cloud.rt, job_id, jobid, caller=None, attempt=5)  # type: ignore[arg-type]
    run.transaction(lambda s: None)  # still ours: fine
    # ... until another node claims it after the lease ran out.
    db.run(
        lambda s: s.execute(
            update(AsyncJob).where(AsyncJob.id == job_id).values(owner_msid=7, attempts=6)
        )
    )
    with pytest.raises(JobInterrupted):
        run.transaction(lambda s: s.execute(update(Domain).values(network_domain="late")))
    assert db.run(lambda s: s.get(Domain, Domain.ROOT_ID).network_domain) is None
    assert row.attempts == 5


def _set_config(cloud: Cloud, name: str, value: str) -> None:
    cloud.rt.db.run(lambda s: s.add(ConfigValue(name=name, value=value)))
    cloud.rt.config.invalidate()


def test_housekeeping_purges_old_jobs_and_cancels_stuck_ones(cloud: Cloud) -> None:
    db = cloud.rt.db
    finished = cloud.admin.call("deleteDomain", id=build_tree(db, "a", 0, depth=0).uuid)
    cloud.admin.wait_job(finished["jobid"])
    stuck = _orphan_job(cloud, "retiredCommand", {})
    # Make the finished job 2 days old and the stuck one 2 hours old.
    db.run(
        lambda s: s.execute(
            update(AsyncJob)
            .where(AsyncJob.uuid == finished["jobid"])
            .values(completed=db_now(s) - timedelta(days=2))
        )
    )
    db.run(
        lambda s: s.execute(
            update(AsyncJob)
            .where(AsyncJob.uuid == stuck)
            .values(created=db_now(s) - timedelta(hours=2))
        )
    )
    assert housekeeping.run_once(cloud.rt) == (1, 1)
    assert (
        db.run(
            lambda s: s.execute(select(AsyncJob).where(AsyncJob.uuid == finished["jobid"])).first()
        )
        is None
    )
    job = cloud.admin.call("queryAsyncJobResult", jobid=stuck)
    assert job["jobstatus"] == 2
    assert "still running after 60 minutes" in job["jobresult"]["errortext"]
    # Shorter retention from the global setting.
    _set_config(cloud, "job.expire.minutes", "0")
    assert housekeeping.run_once(cloud.rt) == (1, 0)


def test_only_one_node_holds_a_task_lease(cloud: Cloud) -> None:
    db = cloud.rt.db
    assert db.run(lambda s: task_leases.acquire(s, "t", 1, 30))
    assert not db.run(lambda s: task_leases.acquire(s, "t", 2, 30))
    assert db.run(lambda s: task_leases.acquire(s, "t", 1, 30))  # renewal
    assert db.run(lambda s: task_leases.acquire(s, "t", 2, -1)) is False
    # Expired: the other node takes over.
    assert db.run(lambda s: task_leases.acquire(s, "t", 1, -1))
    assert db.run(lambda s: task_leases.acquire(s, "t", 2, 30))


@pytest.mark.slow
def test_jobs_queued_by_http_workers_start_promptly(tmp_path: Path) -> None:
    """With --workers 2 the runner is in the parent: a datagram wakes it, not polling."""
    server = LiveServer(tmp_path / "data", "node-w", workers=2, job_poll_interval=5)
    try:
        server.start(wait=False)
        server.wait_ready(timeout=90)  # spawning workers is slow on a busy machine
        admin = server.admin()
        ids = []
        for i in range(10):
            d = admin.call("createDomain", name=f"w{i}")["domain"]
            ids.append(admin.call("deleteDomain", id=d["id"])["jobid"])
            time.sleep(0.05)
        for jobid in ids:
            admin.wait_job(jobid, timeout=20)
        db = open_db(tmp_path / "data")
        latency = [
            (job_row(db, j).started - job_row(db, j).created).total_seconds()  # type: ignore[operator]
            for j in ids
        ]
        db.dispose()
        print(
            f"queue→start latency with --workers 2: median {statistics.median(latency) * 1000:.0f}"
            f" ms, max {max(latency) * 1000:.0f} ms"
        )
        # Polling every 5 s would give a median around 2.5 s.
        assert statistics.median(latency) < 1.0
    finally:
        server.close()


def test_wait_for_reports_timeouts() -> None:
    with pytest.raises(TimeoutError):
        wait_for(lambda: False, timeout=0.05)


@pytest.fixture
def gated() -> Iterator[tuple[Command, threading.Event]]:
    """An async command whose job runs until the test opens its gate."""
    gate = threading.Event()

    def handler(call: Call, args: Args) -> Enqueue:
        return Enqueue({})

    cmd = command("gatedTest", params=[], kind=Kind.ASYNC)(handler)

    @cmd.execute
    def run(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
        gate.wait(30)
        return SuccessResult()

    yield cmd, gate
    gate.set()
    REGISTRY.pop(cmd.name.lower(), None)


def test_query_of_a_young_job_answers_when_it_finishes(
    cloud: Cloud, gated: tuple[Command, threading.Event]
) -> None:
    """Clients poll right after submitting and sleep seconds when the job is pending."""
    _cmd, gate = gated
    jobid = cloud.admin.call("gatedTest")["jobid"]
    began = time.monotonic()
    pending = cloud.admin.call("queryAsyncJobResult", jobid=jobid)
    held = time.monotonic() - began
    assert pending["jobstatus"] == 0
    assert held >= cloud.settings.job_result_wait_seconds * 0.9, "held while the job ran"
    gate.set()
    done = cloud.admin.call("queryAsyncJobResult", jobid=jobid)
    assert done["jobstatus"] == 1, "answered once the job finished, without another poll"


def test_only_a_few_queries_hold_their_answer_at_once(
    cloud: Cloud, gated: tuple[Command, threading.Event]
) -> None:
    """A held query keeps a request thread: when the waiting places are taken, answer at once."""
    _cmd, _gate = gated
    jobid = cloud.admin.call("gatedTest")["jobid"]
    waiters = cloud.rt.job_waiters
    taken = 0
    while waiters.acquire(blocking=False):  # other pollers hold every place
        taken += 1
    try:
        began = time.monotonic()
        pending = cloud.admin.call("queryAsyncJobResult", jobid=jobid)
        held = time.monotonic() - began
    finally:
        for _ in range(taken):
            waiters.release()
    assert taken >= 1
    assert pending["jobstatus"] == 0
    assert held < cloud.settings.job_result_wait_seconds * 0.5, "answered without holding"
