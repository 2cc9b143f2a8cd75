"""Draining a node: SIGTERM and the prepare/cancel/ready/triggerShutdown commands."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cumulo.api.dispatch import DRAINING_TEXT
from cumulo.cluster.node import NodeAgent
from cumulo.db.database import db_now
from cumulo.db.models.job import JobStatus
from cumulo.runtime import Runtime
from tests.support import cloud as cloud_support
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud, running_cloud
from tests.support.jobs import build_tree, job_row, live_in_subtree, open_db, wait_for
from tests.support.server import LiveServer, cumulo


@pytest.fixture
def fast_cloud(tmp_path: Path) -> Iterator[Cloud]:
    settings = cloud_support.test_settings(
        tmp_path / "data", heartbeat_interval=0.2, heartbeat_threshold=1.0
    )
    with running_cloud(settings) as c:
        yield c


def _refused(admin: ApiClient, domain_uuid: str) -> None:
    with pytest.raises(ApiError) as err:
        admin.call("deleteDomain", id=domain_uuid)
    assert err.value.status == 503
    assert err.value.body["errortext"] == DRAINING_TEXT


def test_prepare_ready_and_cancel_shutdown(fast_cloud: Cloud) -> None:
    admin, msid = fast_cloud.admin, fast_cloud.rt.node_uuid
    top = build_tree(fast_cloud.rt.db, "p", 0, depth=0)
    ready = admin.call("readyForShutdown", managementserverid=msid)["readyforshutdown"]
    assert ready["state"] == "Up"
    assert ready["readyforshutdown"] is False and ready["shutdowntriggered"] is False

    prepared = admin.call("prepareForShutdown", managementserverid=msid)["prepareforshutdown"]
    assert prepared["state"] == "PreparingForShutDown"
    assert prepared["shutdowntriggered"] is True
    # The node follows its row at the next heartbeat and, with no jobs, is ready.
    wait_for(
        lambda: (
            admin.call("readyForShutdown", managementserverid=msid)["readyforshutdown"]["state"]
            == "ReadyToShutDown"
        ),
        timeout=5,
    )
    state = admin.call("readyForShutdown", managementserverid=msid)["readyforshutdown"]
    assert state["state"] == "ReadyToShutDown"
    assert state["pendingjobscount"] == 0
    assert fast_cloud.http.get("/readyz").status_code == 503
    _refused(admin, top.uuid)
    # Sync commands still work: the node serves reads while it drains.
    assert admin.call("listManagementServers")["count"] == 1

    cancelled = admin.call("cancelShutdown", managementserverid=msid)["cancelshutdown"]
    assert cancelled["state"] == "Up"
    wait_for(lambda: fast_cloud.rt.accepting_jobs, timeout=5)
    assert fast_cloud.http.get("/readyz").status_code == 200
    assert admin.run("deleteDomain", id=top.uuid) == {"success": True}


def test_shutdown_commands_check_the_state(fast_cloud: Cloud) -> None:
    admin, msid = fast_cloud.admin, fast_cloud.rt.node_uuid
    with pytest.raises(ApiError) as err:
        admin.call("cancelShutdown", managementserverid=msid)
    assert err.value.status == 431
    assert "is Up" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        admin.call("prepareForShutdown", managementserverid="not-a-uuid")
    assert err.value.status == 431


@pytest.mark.slow
def test_sigterm_lets_the_running_job_finish_then_exits(tmp_path: Path) -> None:
    data = tmp_path / "data"
    node = LiveServer(data, "node-a", shutdown_grace_seconds=60)
    db = open_db(data)
    try:
        node.start()
        admin = node.admin()
        top = build_tree(db, "big", 150)  # long enough to outlast the drain checks
        other = build_tree(db, "other", 0, depth=0)
        total = live_in_subtree(db, top.path)
        jobid = admin.call("deleteDomain", id=top.uuid, cleanup=True)["jobid"]
        wait_for(lambda: live_in_subtree(db, top.path) < total - 50, timeout=30, interval=0.01)

        node.terminate()
        signalled = time.monotonic()
        try:
            wait_for(lambda: node.http.get("/readyz").status_code == 503, timeout=3, interval=0.01)
        except httpx.HTTPError as exc:
            raise AssertionError(f"node gone while draining ({exc}):\n{node.log()}") from exc
        print(f"SIGTERM → /readyz 503 after {time.monotonic() - signalled:.2f}s")
        _refused(admin, other.uuid)
        assert job_row(db, jobid).status == JobStatus.IN_PROGRESS  # still running here

        assert node.wait_exit(timeout=60) == 0
        row = job_row(db, jobid)
        assert row.status == JobStatus.SUCCEEDED
        assert row.attempts == 1  # finished by the draining node, not handed over
        assert live_in_subtree(db, top.path) == 0
        node.start()
        states = {
            s["name"]: s for s in node.admin().call("listManagementServers")["managementserver"]
        }
        assert states["node-a"]["lastserverstop"]
    finally:
        node.close()
        db.dispose()


@pytest.mark.slow
def test_trigger_shutdown_through_another_node(tmp_path: Path) -> None:
    data = tmp_path / "data"
    a = LiveServer(data, "node-a")
    b = LiveServer(data, "node-b")
    try:
        a.start()
        b.start()
        admin = b.admin()
        servers = {s["name"]: s for s in admin.call("listManagementServers")["managementserver"]}
        answer = admin.call("triggerShutdown", managementserverid=servers["node-a"]["id"])
        assert answer["triggershutdown"]["state"] == "ShuttingDown"
        assert a.wait_exit(timeout=30) == 0
        servers = {s["name"]: s for s in admin.call("listManagementServers")["managementserver"]}
        assert servers["node-a"]["state"] == "Down"
        assert servers["node-b"]["state"] == "Up"
    finally:
        a.close()
        b.close()


def test_drain_hands_running_jobs_over_after_the_grace_period(tmp_path: Path) -> None:
    settings = cloud_support.test_settings(
        tmp_path / "data",
        heartbeat_interval=0.2,
        # Generous: a loaded machine must not get "other" declared Down here.
        heartbeat_threshold=5.0,
        shutdown_grace_seconds=0.3,
    )
    with running_cloud(settings) as cloud:
        db = cloud.rt.db
        exits: list[bool] = []
        cloud.agent.on_exit = lambda: exits.append(True)
        top = build_tree(db, "big", 150)  # long enough to outlast the grace period
        total = live_in_subtree(db, top.path)
        jobid = cloud.admin.call("deleteDomain", id=top.uuid, cleanup=True)["jobid"]
        wait_for(lambda: live_in_subtree(db, top.path) < total, timeout=30, interval=0.01)

        cloud.agent.request_shutdown()
        wait_for(lambda: exits, timeout=5)
        row = job_row(db, jobid)
        assert row.status == JobStatus.IN_PROGRESS
        assert row.lease_expires is not None
        assert row.lease_expires < db.run(db_now, write=False)  # claimable by anyone now
        assert live_in_subtree(db, top.path) > 0

        other = Runtime.open(settings.model_copy(update={"node_name": "other"}))
        agent = NodeAgent(other)
        agent.start()
        try:
            wait_for(lambda: job_row(db, jobid).status != JobStatus.IN_PROGRESS, timeout=30)
            row = job_row(db, jobid)
            assert row.status == JobStatus.SUCCEEDED
            assert row.owner_msid == other.msid
            # The drained node's run was cut short (the survivor may have had
            # to re-take its own lease too on a loaded machine).
            assert row.attempts >= 2
            assert row.interrupted_msid in (cloud.rt.msid, other.msid)
            assert live_in_subtree(db, top.path) == 0
        finally:
            agent.stop()
            other.close()


def test_cli_drains_and_undrains_a_node(fast_cloud: Cloud) -> None:
    data = fast_cloud.settings.data_dir
    assert cumulo(data, "cluster", "drain", "--node", "test-node").strip() == (
        "test-node: PreparingForShutDown"
    )
    wait_for(lambda: not fast_cloud.rt.accepting_jobs, timeout=5)
    assert fast_cloud.http.get("/readyz").status_code == 503
    listing = cumulo(data, "cluster", "list")
    assert "test-node" in listing and "jobs=0" in listing
    assert "ToShutDown" in listing or "ForShutDown" in listing
    cumulo(data, "cluster", "drain", "--node", "test-node", "--cancel")
    wait_for(lambda: fast_cloud.rt.accepting_jobs, timeout=5)
    with pytest.raises(subprocess.CalledProcessError) as err:
        cumulo(data, "cluster", "drain", "--node", "no-such-node")
    assert "no node named no-such-node" in err.value.stderr
