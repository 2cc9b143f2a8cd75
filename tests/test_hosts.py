"""Simulator hosts: adding, states, maintenance, and ownership across management nodes."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cumulo.cluster import membership
from cumulo.cluster.node import NodeAgent
from cumulo.db.database import db_now
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.host import Host
from cumulo.runtime import Runtime
from cumulo.services.host_monitor import HostMonitor
from tests.infra_helpers import add_host, simple_zone, wait_hosts_up
from tests.support import cloud as support
from tests.support.client import ApiError
from tests.support.cloud import Cloud, running_cloud

MISSING = "0b0b0b0b-0000-4000-8000-000000000000"


def test_add_host_connects_and_reports_capacity(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    added = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    assert added["state"] in ("Connecting", "Up") and added["type"] == "Routing"
    small = add_host(
        api,
        zone["id"],
        pod["id"],
        cluster["id"],
        "http://sim/c0/h1/cpuspeed=2000&cpucore=2&memory=4294967296",
    )
    hosts = {h["id"]: h for h in wait_hosts_up(api, 2, clusterid=cluster["id"])}
    default, tiny = hosts[added["id"]], hosts[small["id"]]
    assert (default["cpunumber"], default["cpuspeed"], default["memorytotal"]) == (
        4,
        8000,
        8 * 1024**3,
    )
    assert (tiny["cpunumber"], tiny["cpuspeed"], tiny["memorytotal"]) == (2, 2000, 4 * 1024**3)
    assert default["hypervisor"] == "Simulator" and default["resourcestate"] == "Enabled"
    assert default["ipaddress"] == "172.16.15.2" and tiny["ipaddress"] == "172.16.15.3"
    assert default["cpuallocated"] == "0.00%" and default["lastpinged"]
    # Owned by this node: the one that added it.
    assert default["managementservername"] == cloud.settings.node_name
    assert default["managementserverid"] == cloud.rt.node_uuid


def test_add_host_validation(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    base = {"zoneid": zone["id"], "podid": pod["id"], "hypervisor": "Simulator"}
    cases = [
        {"url": "http://example.com/h0", "clusterid": cluster["id"]},  # not a simulator URL
        {"url": "http://sim/c0/h0"},  # no cluster
        {"url": "http://sim/c0/h0/cpucore=zero", "clusterid": cluster["id"]},
        {"url": "http://sim/c0/h0", "clusterid": cluster["id"], "hypervisor": "KVMish"},
    ]
    for case in cases:
        with pytest.raises(ApiError) as err:
            api.call("addHost", **{**base, **case})
        assert err.value.status == 431, case
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    with pytest.raises(ApiError) as err:  # the same host twice
        add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    assert err.value.status == 431
    by_name = api.call("addHost", **base, clustername="C0", url="http://sim/c0/h9")
    assert by_name["host"][0]["clusterid"] == cluster["id"]


def test_list_hosts_filters(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    first = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h1")
    wait_hosts_up(api, 2)
    api.call("updateHost", id=first["id"], allocationstate="Disable", hosttags="ssd,fast")
    assert api.call("listHosts", resourcestate="Disabled")["host"][0]["id"] == first["id"]
    assert api.call("listHosts", resourcestate="Enabled")["count"] == 1
    assert api.call("listHosts", state="Up", zoneid=zone["id"])["count"] == 2
    assert api.call("listHosts", state="Down") == {}
    assert api.call("listHosts", type="SecondaryStorageVM") == {}
    assert api.call("listHosts", hypervisor="Simulator", podid=pod["id"])["count"] == 2
    assert api.call("listHosts", id=first["id"])["host"][0]["hosttags"] == "ssd,fast"
    # An empty hosttags removes every tag; leaving it out keeps them.
    api.call("updateHost", id=first["id"], hosttags="ssd")
    api.call("updateHost", id=first["id"], annotation="tags stay")
    assert api.call("listHosts", id=first["id"])["host"][0]["hosttags"] == "ssd"
    api.call("updateHost", id=first["id"], hosttags="")
    assert "hosttags" not in api.call("listHosts", id=first["id"])["host"][0]
    assert api.call("listHostTags") == {}
    assert api.call("listHosts", keyword=first["name"][-8:])["count"] == 1
    page = api.call("listHosts", page=2, pagesize=1)
    assert page["count"] == 2 and len(page["host"]) == 1
    with pytest.raises(ApiError) as err:
        api.call("updateHost", id=first["id"], allocationstate="Sideways")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("updateHost", id=MISSING, name="x")
    assert err.value.status == 431


def test_maintenance_and_delete(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    host = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    with pytest.raises(ApiError) as err:
        api.call("deleteHost", id=host["id"])
    assert err.value.status == 431 and "maintenance" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.call("cancelHostMaintenance", id=host["id"])
    assert err.value.status == 431
    result = api.run("prepareHostForMaintenance", id=host["id"])["host"]
    assert result["resourcestate"] == "Maintenance" and result["state"] == "Up"
    with pytest.raises(ApiError) as err:
        api.call("prepareHostForMaintenance", id=host["id"])
    assert err.value.status == 431
    assert api.run("cancelHostMaintenance", id=host["id"])["host"]["resourcestate"] == "Enabled"
    api.run("prepareHostForMaintenance", id=host["id"])
    assert api.call("deleteHost", id=host["id"]) == {"success": True}
    assert api.call("listHosts") == {}
    api.call("deleteCluster", id=cluster["id"])  # nothing in it any more


def test_maintenance_fails_when_the_host_refuses(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    host = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    api.call("configureSimulator", name="MaintainCommand", value="result:fail", count=1)
    result = api.run("prepareHostForMaintenance", id=host["id"])["host"]
    assert result["resourcestate"] == "ErrorInPrepareForMaintenance"
    # The rule was used up: a retry succeeds.
    assert (
        api.run("prepareHostForMaintenance", id=host["id"])["host"]["resourcestate"]
        == "Maintenance"
    )


def test_reconnect_and_forced_delete(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    host = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    assert api.run("reconnectHost", id=host["id"])["host"]["state"] == "Up"
    assert api.call("deleteHost", id=host["id"], forced=True) == {"success": True}
    with pytest.raises(ApiError) as err:
        api.call("updateHost", id=host["id"], name="gone")
    assert err.value.status == 431


def test_survivor_takes_over_hosts_of_a_dead_node(tmp_path: Path) -> None:
    fast = {"heartbeat_interval": 0.2, "heartbeat_threshold": 1.5}
    with running_cloud(support.test_settings(tmp_path / "a", **fast)) as a:
        api = a.admin
        zone, pod, cluster = simple_zone(api)
        for h in range(2):
            add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c0/h{h}")
        hosts = wait_hosts_up(api, 2)
        assert {h["managementservername"] for h in hosts} == {"test-node"}

        b_settings = a.settings.model_copy(update={"node_name": "node-b"})
        rt_b = Runtime.open(b_settings)
        agent_b = NodeAgent(rt_b)
        agent_b.start()
        try:
            time.sleep(0.6)  # node B runs a few ticks: the hosts stay with their live owner
            owners = {h["managementservername"] for h in api.call("listHosts")["host"]}
            assert owners == {"test-node"}
            # Node A dies without a goodbye: its threads stop, its row stays "Up".
            a.agent._stop.set()
            a.agent.jobs.stop(wait=False)
            started = time.monotonic()
            deadline = started + 15
            while time.monotonic() < deadline:
                listed = api.call("listHosts")["host"]
                if all(
                    h.get("managementservername") == "node-b" and h["state"] == "Up" for h in listed
                ):
                    break
                time.sleep(0.1)
            else:
                raise AssertionError(f"no takeover: {listed}")
            assert time.monotonic() - started < 10
        finally:
            agent_b.stop()
            rt_b.close()


def test_a_host_taken_over_from_a_down_owner_stays_up(cloud: Cloud) -> None:
    """The takeover changes the owner only: placement never sees the host leave Up."""
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)

    def dead_owner(session):  # type: ignore[no-untyped-def]
        peer = membership.register(
            session, name="dead", service_ip="127.0.0.9", service_port=1, version="test"
        )
        membership.set_state(session, peer, membership.DOWN)
        session.execute(update(Host).values(mgmt_server_msid=peer.msid))
        return peer.msid

    dead = cloud.rt.db.run(dead_owner)
    monitor = HostMonitor(cloud.rt)
    msid = cloud.rt.msid
    assert msid is not None
    # The claim commits before the host is checked (no transaction spans the
    # driver call): in between, the host must still be Up for the planner.
    checks = cloud.rt.db.run(lambda s: monitor._claim_and_plan(s, msid))
    assert [c.connecting for c in checks] == [True]  # reconnected by its new owner
    row = cloud.rt.db.run(lambda s: s.execute(select(Host.status, Host.mgmt_server_msid)).one())
    assert tuple(row) == ("Up", msid)
    monitor.tick()
    (host,) = api.call("listHosts", type="Routing")["host"]
    assert host["state"] == "Up" and host["managementservername"] == "test-node"
    assert dead != msid


def test_a_live_owner_keeps_its_hosts_when_its_host_round_is_late(cloud: Cloud) -> None:
    """An expired host lease alone moves nothing while the owner's heartbeat is fresh."""
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)

    def busy_owner(session):  # type: ignore[no-untyped-def]
        peer = membership.register(
            session, name="busy", service_ip="127.0.0.9", service_port=1, version="test"
        )
        past = db_now(session) - timedelta(seconds=1)
        session.execute(update(Host).values(mgmt_server_msid=peer.msid, lease_expires=past))
        return peer

    peer = cloud.rt.db.run(busy_owner)
    monitor = HostMonitor(cloud.rt)
    msid = cloud.rt.msid
    assert msid is not None
    assert cloud.rt.db.run(lambda s: monitor._claim_and_plan(s, msid)) == []
    owner = cloud.rt.db.run(lambda s: s.execute(select(Host.mgmt_server_msid)).scalar_one())
    assert owner == peer.msid
    # Once the owner is silent too (not yet declared Down), the lease decides.
    silent = timedelta(seconds=cloud.settings.heartbeat_threshold + 1)
    cloud.rt.db.run(
        lambda s: s.execute(
            update(ManagementServer)
            .where(ManagementServer.id == peer.id)
            .values(last_update=db_now(s) - silent)
        )
    )
    assert len(cloud.rt.db.run(lambda s: monitor._claim_and_plan(s, msid))) == 1
