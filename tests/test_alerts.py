"""Alerts: the API, raise_alert deduplication, the capacity checker and its lease."""

from __future__ import annotations

import time

import pytest

from cumulo.db.models.alert import Alert
from cumulo.services import alerts, capacity_checker, task_leases
from tests.infra_helpers import add_host, simple_zone, wait_hosts_up
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _alerts(cloud: Cloud, **filters: object) -> list[dict]:  # type: ignore[type-arg]
    return cloud.admin.call("listAlerts", **filters).get("alert", [])


def test_generate_list_archive_delete(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, _ = simple_zone(api)
    api.run(
        "generateAlert",
        type=31,
        name="ALERT.MANUAL",
        description="disk on fire",
        zoneid=zone["id"],
        podid=pod["id"],
    )
    api.run("generateAlert", type=7, name="ALERT.COMPUTE.HOST", description="host h1 down")
    api.run("generateAlert", type=7, name="ALERT.COMPUTE.HOST", description="host h2 down")
    listed = _alerts(cloud)
    assert [a["description"] for a in listed] == ["host h2 down", "host h1 down", "disk on fire"]
    first = listed[-1]
    assert first["type"] == 31 and first["name"] == "ALERT.MANUAL" and first["sent"]
    assert [a["description"] for a in _alerts(cloud, type=7)] == ["host h2 down", "host h1 down"]
    assert [a["id"] for a in _alerts(cloud, id=first["id"])] == [first["id"]]
    assert len(_alerts(cloud, keyword="h1")) == 1

    api.call("archiveAlerts", ids=first["id"])
    assert first["id"] not in {a["id"] for a in _alerts(cloud)}
    api.call("deleteAlerts", type=7)
    assert _alerts(cloud) == []
    with pytest.raises(ApiError) as err:
        api.call("deleteAlerts")
    assert err.value.status == 431 and "ids, type, startdate" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.call("listAlerts", type="memory")
    assert err.value.status == 431


def test_alerts_are_for_root_admins_only(cloud: Cloud) -> None:
    from tests.infra_helpers import make_user

    user = make_user(cloud)
    with pytest.raises(ApiError) as err:
        user.call("listAlerts")
    assert err.value.status in (401, 531, 432)


def test_raise_alert_does_not_repeat_an_open_condition(cloud: Cloud) -> None:
    def raise_twice(s):  # type: ignore[no-untyped-def]
        a = alerts.raise_alert(s, 7, None, None, None, "host down", "h1 missed 3 pings")
        b = alerts.raise_alert(s, 7, None, None, None, "host down", "again")
        return a.id, b.id

    first, second = cloud.rt.db.run(raise_twice)
    assert first == second
    assert cloud.rt.db.run(lambda s: alerts.resolve(s, 7, None, None, None)) == 1
    third = cloud.rt.db.run(lambda s: alerts.raise_alert(s, 7, None, None, None, "host down").id)
    assert third != first and len(_alerts(cloud, type=7)) == 2


def _private_ip_zone(cloud: Cloud) -> dict:  # type: ignore[type-arg]
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    for h in range(3):
        add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c0/h{h}")
    wait_hosts_up(api, 3, zoneid=zone["id"])
    return zone


def test_capacity_crossing_raises_once_and_resolves(cloud: Cloud) -> None:
    api = cloud.admin
    zone = _private_ip_zone(cloud)  # 3 of 199 pod addresses used: 1.5 %
    check = lambda: cloud.rt.db.run(  # noqa: E731
        lambda s: capacity_checker.check(s, cloud.rt.config)
    )
    assert check() == 0
    assert _alerts(cloud, type=5) == []
    api.call(
        "updateConfiguration", name="pod.privateip.capacity.notificationthreshold", value="0.01"
    )
    assert check() == 1
    for _ in range(3):
        assert check() == 0  # still over the threshold: no new alert
    (alert,) = _alerts(cloud, type=5)
    assert alert["name"] == "ALERT.NETWORK.PRIVATEIP" and "PRIVATE_IP" in alert["description"]
    assert zone["name"] in alert["description"]

    api.call(
        "updateConfiguration", name="pod.privateip.capacity.notificationthreshold", value="0.5"
    )
    assert check() == 0
    api.call(
        "updateConfiguration", name="pod.privateip.capacity.notificationthreshold", value="0.01"
    )
    assert check() == 1  # a new crossing after recovery is news again
    assert len(_alerts(cloud, type=5)) == 2


def test_cluster_memory_threshold_per_cluster_scope(cloud: Cloud) -> None:
    api = cloud.admin
    _private_ip_zone(cloud)
    cluster = api.call("listClusters")["cluster"][0]
    # Mark memory as used in the cluster: the checker sees the hosts' own counters.
    from sqlalchemy import update

    from cumulo.db.models.host import Host

    cloud.rt.db.run(lambda s: s.execute(update(Host).values(memory_used=Host.total_memory * 0.9)))
    api.call(
        "updateConfiguration",
        name="cluster.memory.allocated.capacity.notificationthreshold",
        value="0.95",
        clusterid=cluster["id"],
    )
    cloud.rt.db.run(lambda s: capacity_checker.check(s, cloud.rt.config))
    assert _alerts(cloud, type=0) == []  # 90 % is below this cluster's 95 %
    api.call(
        "updateConfiguration",
        name="cluster.memory.allocated.capacity.notificationthreshold",
        value="0.8",
        clusterid=cluster["id"],
    )
    cloud.rt.db.run(lambda s: capacity_checker.check(s, cloud.rt.config))
    (alert,) = _alerts(cloud, type=0)
    assert cluster["name"] in alert["description"]


def test_checker_runs_on_the_agent_and_one_node_holds_the_lease(cloud: Cloud) -> None:
    api = cloud.admin
    _private_ip_zone(cloud)
    api.call(
        "updateConfiguration", name="pod.privateip.capacity.notificationthreshold", value="0.01"
    )
    api.call("updateConfiguration", name="capacity.check.period", value="300")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _alerts(cloud, type=5):
        time.sleep(0.2)
    assert len(_alerts(cloud, type=5)) == 1
    # This node holds the lease; another node cannot take it until it expires.
    msid = cloud.rt.msid
    assert cloud.rt.db.run(lambda s: task_leases.acquire(s, "capacity.check", msid, 30))
    assert not cloud.rt.db.run(lambda s: task_leases.acquire(s, "capacity.check", msid + 1, 30))
    assert cloud.rt.db.run(lambda s: task_leases.acquire(s, "other.task", msid + 1, 30))
    assert cloud.rt.db.run(lambda s: s.query(Alert).filter(Alert.type == 5).count()) == 1
