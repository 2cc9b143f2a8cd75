"""Cluster membership: listManagementServers, Down detection, self-fencing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from cumulo.api.dispatch import DRAINING_TEXT
from cumulo.cluster import membership
from cumulo.cluster.node import NodeAgent
from cumulo.runtime import Runtime
from tests.support import cloud as cloud_support
from tests.support.client import ApiError
from tests.support.cloud import Cloud, running_cloud
from tests.support.jobs import build_tree, wait_for

INTERVAL, THRESHOLD = 0.2, 1.0


@pytest.fixture
def fast_cloud(tmp_path: Path) -> Iterator[Cloud]:
    settings = cloud_support.test_settings(
        tmp_path / "data", heartbeat_interval=INTERVAL, heartbeat_threshold=THRESHOLD
    )
    with running_cloud(settings) as c:
        yield c


@pytest.fixture
def second_node(fast_cloud: Cloud) -> Iterator[NodeAgent]:
    settings = fast_cloud.settings.model_copy(update={"node_name": "second", "port": 8081})
    rt = Runtime.open(settings)
    agent = NodeAgent(rt)
    agent.start()
    yield agent
    agent.stop()
    rt.close()


def _servers(cloud: Cloud, **params: object) -> dict[str, dict[str, object]]:
    body = cloud.admin.call("listManagementServers", **params)
    return {s["name"]: s for s in body.get("managementserver", [])}


def test_list_management_servers(fast_cloud: Cloud, second_node: NodeAgent) -> None:
    servers = _servers(fast_cloud)
    assert set(servers) == {"test-node", "second"}
    me = servers["test-node"]
    assert me["state"] == "Up"
    assert me["id"] == fast_cloud.rt.node_uuid
    assert me["serviceip"] == me["ipaddress"] == "127.0.0.1"
    assert str(me["javaversion"]).startswith("Python 3.")
    assert me["kernelversion"] and me["osdistribution"] and me["lastserverstart"]
    assert me["pendingjobscount"] == 0
    assert "peers" not in me
    assert set(_servers(fast_cloud, name="second")) == {"second"}
    assert set(_servers(fast_cloud, id=me["id"])) == {"test-node"}
    assert set(_servers(fast_cloud, keyword="sec")) == {"second"}
    peers = _servers(fast_cloud, peers=True, name="test-node")["test-node"]["peers"]
    assert [p["peername"] for p in peers] == ["second"]  # type: ignore[union-attr]
    assert peers[0]["peerstate"] == "Up"  # type: ignore[index]


def test_a_silent_node_is_declared_down_within_the_threshold(
    fast_cloud: Cloud, second_node: NodeAgent
) -> None:
    # The second node's process "dies": its heartbeat stops, nothing is cleaned up.
    second_node._stop.set()
    died = time.monotonic()
    wait_for(lambda: _servers(fast_cloud)["second"]["state"] == "Down", timeout=10)
    detected = time.monotonic() - died
    print(f"silent node declared Down after {detected:.2f}s (threshold {THRESHOLD}s)")
    assert detected < THRESHOLD + INTERVAL + 1.5
    assert _servers(fast_cloud)["test-node"]["state"] == "Up"


def test_a_node_whose_run_id_was_taken_over_fences_itself(fast_cloud: Cloud) -> None:
    exits: list[bool] = []
    fast_cloud.agent.on_exit = lambda: exits.append(True)
    s = fast_cloud.settings
    # A second process starts with the same node name (misconfiguration, or a
    # restart while the old process hangs): it takes the row over.
    fast_cloud.rt.db.run(
        lambda session: membership.register(
            session, name=s.node_name, service_ip="127.0.0.1", service_port=1, version="x"
        )
    )
    wait_for(fast_cloud.agent.fenced.is_set, timeout=5)
    assert "run id superseded" in fast_cloud.agent.fence_reason
    assert exits == [True]
    assert fast_cloud.http.get("/readyz").status_code == 503
    top = build_tree(fast_cloud.rt.db, "x", 0, depth=0)
    with pytest.raises(ApiError) as err:
        fast_cloud.admin.call("deleteDomain", id=top.uuid)
    assert err.value.status == 503
    assert err.value.body["errortext"] == DRAINING_TEXT


def test_a_node_that_cannot_reach_the_database_fences_and_recovers(
    fast_cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = membership.heartbeat

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE management_server", {}, Exception("connection refused"))

    monkeypatch.setattr(membership, "heartbeat", unreachable)
    cut = time.monotonic()
    wait_for(fast_cloud.agent.fenced.is_set, timeout=10)
    fenced_after = time.monotonic() - cut
    assert "cannot renew the heartbeat" in fast_cloud.agent.fence_reason
    assert fenced_after < THRESHOLD + INTERVAL + 1.5
    ready = fast_cloud.http.get("/readyz")
    assert ready.status_code == 503
    assert "draining or fenced" in ready.json()["problems"]
    # The database is back and the row is still ours: the node takes jobs again.
    monkeypatch.setattr(membership, "heartbeat", real)
    wait_for(lambda: not fast_cloud.agent.fenced.is_set(), timeout=5)
    assert fast_cloud.http.get("/readyz").status_code == 200
    top = build_tree(fast_cloud.rt.db, "y", 0, depth=0)
    assert fast_cloud.admin.run("deleteDomain", id=top.uuid) == {"success": True}


def test_a_node_marked_down_while_merely_slow_comes_back_up(fast_cloud: Cloud) -> None:
    node = fast_cloud.agent.identity
    assert node is not None
    fast_cloud.rt.db.run(lambda s: membership.set_state(s, node, "Down"))
    wait_for(lambda: _servers(fast_cloud)["test-node"]["state"] == "Up", timeout=5)
    assert not fast_cloud.agent.fenced.is_set()
