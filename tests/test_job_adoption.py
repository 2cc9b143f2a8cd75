"""A node is killed (-9) in the middle of a job; the job is adopted and finishes.

The job is a real one: deleteDomain with cleanup over a tree of a few
thousand domains, which the executor removes in short checkpointed batches,
so a kill between two batches leaves a visibly half-deleted tree.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cumulo.db.database import Database
from cumulo.db.models.domain import Domain
from cumulo.db.models.job import JobStatus
from tests.support.jobs import (
    build_tree,
    job_row,
    live_in_subtree,
    open_db,
    orphans,
    wait_for,
)
from tests.support.server import LiveServer

FANOUT = 60  # 1 + 60 + 3600 domains: a few seconds of work


def _start_big_delete(server: LiveServer, db: Database) -> tuple[Domain, str, int]:
    top = build_tree(db, "big", FANOUT)
    total = live_in_subtree(db, top.path)
    accepted = server.admin().call("deleteDomain", id=top.uuid, cleanup=True)
    # Wait until the job has committed some batches, but not all of them.
    wait_for(lambda: live_in_subtree(db, top.path) < total - 50, timeout=30, interval=0.01)
    return top, accepted["jobid"], total


def _owner_name(server: LiveServer, jobid: str) -> str:
    return str(server.admin().call("queryAsyncJobResult", jobid=jobid)["managementservername"])


@pytest.mark.slow
def test_job_of_a_killed_node_resumes_when_the_node_restarts(tmp_path: Path) -> None:
    node = LiveServer(tmp_path / "data", "node-a").start()
    db = open_db(tmp_path / "data")
    try:
        top, jobid, total = _start_big_delete(node, db)
        node.kill()
        left = live_in_subtree(db, top.path)
        assert 0 < left < total, "the kill must land in the middle of the job"
        assert job_row(db, jobid).status == JobStatus.IN_PROGRESS

        restarted = time.monotonic()
        node.start()  # same name: same msid, new run id
        job = node.admin().wait_job(jobid, timeout=30)
        took = time.monotonic() - restarted
        print(f"restart → adopted job finished: {took:.2f}s")

        assert job["jobstatus"] == 1, job
        assert job["jobresult"] == {"success": True}
        assert job["managementservername"] == "node-a"
        assert live_in_subtree(db, top.path) == 0
        assert orphans(db) == 0
        row = job_row(db, jobid)
        # 2, or more if a lease renewal ran late on a loaded machine and the
        # job changed hands again: still one run at a time, still finished.
        assert row.attempts >= 2
        assert row.interrupted_msid == row.owner_msid  # its own earlier run
        assert took < 25
    finally:
        node.close()
        db.dispose()


@pytest.mark.slow
def test_job_of_a_killed_node_is_adopted_by_a_surviving_node(tmp_path: Path) -> None:
    data = tmp_path / "data"
    a = LiveServer(data, "node-a").start()
    b = LiveServer(data, "node-b").start()
    db = open_db(data)
    try:
        a.keys(), b.keys()  # ahead of time: the CLI takes a moment
        top, jobid, total = _start_big_delete(a, db)
        victim, survivor = (a, b) if _owner_name(a, jobid) == "node-a" else (b, a)
        admin = survivor.admin()
        victim.kill()
        killed = time.monotonic()
        assert 0 < live_in_subtree(db, top.path) < total

        servers = {s["name"]: s for s in admin.call("listManagementServers")["managementserver"]}
        assert servers[victim.name]["state"] == "Up"  # not noticed yet
        wait_for(
            lambda: (
                {
                    s["name"]: s["state"]
                    for s in admin.call("listManagementServers")["managementserver"]
                }[victim.name]
                == "Down"
            ),
            timeout=10,
            interval=0.05,
        )
        detected = time.monotonic() - killed
        job = admin.wait_job(jobid, timeout=30)
        finished = time.monotonic() - killed
        print(f"kill → Down {detected:.2f}s, kill → adopted job finished {finished:.2f}s")

        assert job["jobstatus"] == 1, job
        assert job["managementservername"] == survivor.name
        assert live_in_subtree(db, top.path) == 0
        assert orphans(db) == 0
        row = job_row(db, jobid)
        assert row.attempts >= 2
        # Threshold 1.5 s + heartbeat 0.3 s in these tests; defaults give <= 5 s.
        assert detected < 4
        assert finished < detected + 10
    finally:
        for s in (a, b):
            s.close()
        db.dispose()
