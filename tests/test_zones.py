"""Zones, pods and clusters through the API."""

from __future__ import annotations

import pytest

from tests.infra_helpers import add_host, make_cluster, make_pod, make_user, make_zone, simple_zone
from tests.support.client import ApiError
from tests.support.cloud import Cloud

MISSING = "0b0b0b0b-0000-4000-8000-000000000000"


def test_zone_lifecycle(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api, "z1", guestcidraddress="10.2.0.0/16", domain="cloud.test")
    assert zone["networktype"] == "Advanced"
    assert zone["allocationstate"] == "Disabled"
    assert zone["guestcidraddress"] == "10.2.0.0/16" and zone["domain"] == "cloud.test"
    assert zone["securitygroupsenabled"] is False and zone["zonetoken"]
    updated = api.call(
        "updateZone",
        id=zone["id"],
        name="z1-renamed",
        dns2="1.1.1.1",
        **{"details[0].key": "k", "details[0].value": "v"},
    )["zone"]
    assert (updated["name"], updated["dns2"]) == ("z1-renamed", "1.1.1.1")
    assert updated["resourcedetails"] == {"k": "v"}
    listed = api.call("listZones", name="z1-renamed")
    assert listed["count"] == 1 and listed["zone"][0]["id"] == zone["id"]
    assert api.call("listZones", keyword="renamed")["count"] == 1
    assert api.call("deleteZone", id=zone["id"]) == {"success": True}
    assert api.call("listZones") == {}


def test_zone_validation(cloud: Cloud) -> None:
    api = cloud.admin
    make_zone(api, "dup")
    for bad in (
        {"name": "dup"},
        {"name": "x", "networktype": "Fancy"},
        {"name": "y", "dns1": "not-an-ip"},
        {"name": "w", "allocationstate": "Sideways"},
    ):
        params = {"networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": "8.8.4.4", **bad}
        with pytest.raises(ApiError) as err:
            api.call("createZone", **params)
        assert err.value.status == 431, bad
    with pytest.raises(ApiError) as err:
        api.call("createZone", name="nodns", networktype="Basic", internaldns1="8.8.4.4")
    assert err.value.status == 431 and "dns1" in err.value.body["errortext"]
    for command in ("updateZone", "deleteZone"):
        with pytest.raises(ApiError) as err:
            api.call(command, id=MISSING)
        assert err.value.status == 431


def test_delete_zone_in_use(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    pod = make_pod(api, zone["id"])
    with pytest.raises(ApiError) as err:
        api.call("deleteZone", id=zone["id"])
    assert err.value.status == 536 and "pods" in err.value.body["errortext"]
    api.call("deletePod", id=pod["id"])
    api.call("deleteZone", id=zone["id"])


def test_users_see_enabled_zones_only(cloud: Cloud) -> None:
    api = cloud.admin
    hidden = make_zone(api, "hidden")
    shown = make_zone(api, "shown", allocationstate="Enabled")
    user = make_user(cloud)
    zones = user.call("listZones")["zone"]
    assert [z["id"] for z in zones] == [shown["id"]]
    assert "dns1" not in zones[0] and "zonetoken" not in zones[0]
    assert hidden["id"] not in {z["id"] for z in user.call("listZones").get("zone", [])}
    with pytest.raises(ApiError) as err:
        user.call(
            "createZone", name="mine", networktype="Basic", dns1="1.1.1.1", internaldns1="1.1.1.1"
        )
    assert err.value.status in (401, 432)
    assert user.call("listHypervisors")["hypervisor"] == [{"name": "Simulator"}]
    with pytest.raises(ApiError):
        user.call("listHosts")


def test_pods(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    pod = make_pod(api, zone["id"])
    assert pod["startip"] == ["172.16.15.2"] and pod["endip"] == ["172.16.15.200"]
    assert pod["zoneid"] == zone["id"] and pod["allocationstate"] == "Enabled"
    bad_ranges = (
        {"startip": "172.16.15.100", "endip": "172.16.15.150"},  # overlaps POD0
        {"startip": "10.0.0.10", "endip": "10.0.0.5"},  # end before start
        {"startip": "10.0.0.1", "endip": "10.0.0.5"},  # contains the gateway
        {"startip": "10.9.0.10", "endip": "10.9.0.20"},  # outside the subnet
    )
    for i, rng in enumerate(bad_ranges):
        gw = "172.16.15.1" if rng["startip"].startswith("172") else "10.0.0.1"
        with pytest.raises(ApiError) as err:
            api.call(
                "createPod",
                zoneid=zone["id"],
                name=f"bad{i}",
                gateway=gw,
                netmask="255.255.255.0",
                **rng,
            )
        assert err.value.status == 431, rng
    with pytest.raises(ApiError) as err:
        make_pod(api, zone["id"], name="POD0", prefix="172.16.20")
    assert err.value.status == 431  # duplicate name
    pod2 = make_pod(api, zone["id"], name="POD1", prefix="172.16.16")
    renamed = api.call("updatePod", id=pod2["id"], name="POD1b", allocationstate="Disabled")["pod"]
    assert (renamed["name"], renamed["allocationstate"]) == ("POD1b", "Disabled")
    assert api.call("listPods", zoneid=zone["id"])["count"] == 2
    assert api.call("listPods", allocationstate="Disabled")["pod"][0]["id"] == pod2["id"]
    cluster = make_cluster(api, zone["id"], pod["id"])
    with pytest.raises(ApiError) as err:
        api.call("deletePod", id=pod["id"])
    assert err.value.status == 536
    api.call("deleteCluster", id=cluster["id"])
    api.call("deletePod", id=pod["id"])
    with pytest.raises(ApiError) as err:
        api.call("updatePod", id=MISSING, name="x")
    assert err.value.status == 431


def test_clusters(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    assert cluster["hypervisortype"] == "Simulator" and cluster["clustertype"] == "CloudManaged"
    assert cluster["podid"] == pod["id"] and cluster["cpuovercommitratio"] == "1.0"
    body = api.call(
        "addCluster",
        zoneid=zone["id"],
        podid=pod["id"],
        clustername="C1",
        clustertype="CloudManaged",
        hypervisor="Simulator",
    )
    assert body["count"] == 1 and body["cluster"][0]["name"] == "C1"  # list-shaped payload
    for bad in ({"hypervisor": "Hyper-Z"}, {"clustertype": "Weird"}, {"clustername": "C1"}):
        params = {
            "zoneid": zone["id"],
            "podid": pod["id"],
            "clustername": "C9",
            "clustertype": "CloudManaged",
            "hypervisor": "Simulator",
            **bad,
        }
        with pytest.raises(ApiError) as err:
            api.call("addCluster", **params)
        assert err.value.status == 431, bad
    updated = api.call(
        "updateCluster", id=cluster["id"], allocationstate="Disabled", managedstate="Unmanaged"
    )["cluster"]
    assert (updated["allocationstate"], updated["managedstate"]) == ("Disabled", "Unmanaged")
    assert api.call("listClusters", allocationstate="Disabled")["count"] == 1
    assert api.call("listClusters", podid=pod["id"], hypervisor="simulator")["count"] == 2
    assert api.call("listHypervisors", zoneid=zone["id"])["hypervisor"] == [{"name": "Simulator"}]
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    with pytest.raises(ApiError) as err:
        api.call("deleteCluster", id=cluster["id"])
    assert err.value.status == 536 and "hosts" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.call("deleteCluster", id=MISSING)
    assert err.value.status == 431
