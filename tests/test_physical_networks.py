"""Physical networks, traffic types, service providers, guest VLANs and IP ranges."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra_helpers import make_pod, make_zone
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud


def _create(api: ApiClient, zone_id: str, name: str = "pnet", **extra: Any) -> dict[str, Any]:
    accepted = api.call("createPhysicalNetwork", zoneid=zone_id, name=name, **extra)
    assert set(accepted) == {"id", "jobid"}
    job = api.wait_job(accepted["jobid"])
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["physicalnetwork"]  # type: ignore[no-any-return]


def test_physical_network_lifecycle(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    net = _create(api, zone["id"], isolationmethods="VLAN", vlan="100-110", tags="fast")
    assert (net["state"], net["vlan"], net["isolationmethods"]) == ("Disabled", "100-110", "VLAN")
    assert net["zoneid"] == zone["id"] and net["tags"] == "fast"
    providers = api.call("listNetworkServiceProviders", physicalnetworkid=net["id"])
    names = {p["name"]: p for p in providers["networkserviceprovider"]}
    assert {"VirtualRouter", "VpcVirtualRouter", "InternalLbVm", "SecurityGroupProvider"} <= set(
        names
    )
    assert names["VirtualRouter"]["state"] == "Disabled"
    assert "SourceNat" in names["VirtualRouter"]["servicelist"]
    # A router provider cannot be enabled before its element is configured.
    with pytest.raises(ApiError) as err:
        api.call("updateNetworkServiceProvider", id=names["VirtualRouter"]["id"], state="Enabled")
    assert err.value.status == 431 and "configure" in err.value.body["errortext"]
    element = api.call("listVirtualRouterElements", nspid=names["VirtualRouter"]["id"])[
        "virtualrouterelement"
    ][0]
    assert (
        api.run("configureVirtualRouterElement", id=element["id"], enabled=True)[
            "virtualrouterelement"
        ]["enabled"]
        is True
    )
    assert api.call("listVirtualRouterElements", enabled=True)["count"] == 1
    enabled = api.run(
        "updateNetworkServiceProvider", id=names["VirtualRouter"]["id"], state="Enabled"
    )
    assert enabled["networkserviceprovider"]["state"] == "Enabled"
    added = api.call("addNetworkServiceProvider", name="Netscaler", physicalnetworkid=net["id"])
    assert api.wait_job(added["jobid"])["jobresult"]["networkserviceprovider"]["id"] == added["id"]

    updated = api.run(
        "updatePhysicalNetwork", id=net["id"], state="Enabled", vlan="100-120;200-210"
    )
    assert updated["physicalnetwork"]["vlan"] == "100-120;200-210"
    caps = {c["type"]: c for c in api.call("listCapacity", zoneid=zone["id"])["capacity"]}
    assert caps[7]["capacitytotal"] == 21 + 11
    assert (
        api.call("listPhysicalNetworks", zoneid=zone["id"])["physicalnetwork"][0]["state"]
        == "Enabled"
    )
    assert api.run("deletePhysicalNetwork", id=net["id"]) == {"success": True}
    assert api.call("listPhysicalNetworks") == {}
    assert api.call("listNetworkServiceProviders") == {}


def test_guest_vlan_validation(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    first = _create(api, zone["id"], name="a", vlan="100-200")
    second = _create(api, zone["id"], name="b")
    for bad in ("150-250", "abc", "300-250"):
        with pytest.raises(ApiError) as err:
            api.call("updatePhysicalNetwork", id=second["id"], vlan=bad)
        assert err.value.status == 431, bad
    api.run("updatePhysicalNetwork", id=second["id"], vlan="201-300")
    with pytest.raises(ApiError) as err:
        api.call("updatePhysicalNetwork", id=first["id"], state="Paused")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("createPhysicalNetwork", zoneid=zone["id"], name="a")
    assert err.value.status == 431


def test_traffic_types(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    net = _create(api, zone["id"])
    guest = api.run(
        "addTrafficType",
        physicalnetworkid=net["id"],
        traffictype="Guest",
        kvmnetworklabel="cloudbr1",
    )
    tt = guest["traffictype"]
    assert (tt["traffictype"], tt["kvmnetworklabel"]) == ("Guest", "cloudbr1")
    api.run("addTrafficType", physicalnetworkid=net["id"], traffictype="public")
    with pytest.raises(ApiError) as err:
        api.call("addTrafficType", physicalnetworkid=net["id"], traffictype="Guest")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("addTrafficType", physicalnetworkid=net["id"], traffictype="Cosmic")
    assert err.value.status == 431
    listed = api.call("listTrafficTypes", physicalnetworkid=net["id"])
    assert sorted(t["traffictype"] for t in listed["traffictype"]) == ["Guest", "Public"]
    relabelled = api.run("updateTrafficType", id=tt["id"], kvmnetworklabel="cloudbr9")
    assert relabelled["traffictype"]["kvmnetworklabel"] == "cloudbr9"
    api.run("deleteTrafficType", id=tt["id"])
    assert api.call("listTrafficTypes", physicalnetworkid=net["id"])["count"] == 1


def test_public_ranges(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    net = _create(api, zone["id"])
    api.run("addTrafficType", physicalnetworkid=net["id"], traffictype="Public")
    rng = api.call(
        "createVlanIpRange",
        zoneid=zone["id"],
        vlan="50",
        gateway="192.168.2.1",
        netmask="255.255.255.0",
        startip="192.168.2.2",
        endip="192.168.2.100",
    )["vlan"]
    assert rng["forvirtualnetwork"] is True and rng["physicalnetworkid"] == net["id"]
    assert rng["vlan"] == "vlan://50" and rng["zoneid"] == zone["id"]
    bad = [
        {"startip": "192.168.2.50", "endip": "192.168.2.150"},  # overlaps
        {"startip": "192.168.2.150", "endip": "192.168.2.120"},  # reversed
        {"startip": "192.168.3.2", "endip": "192.168.3.9"},  # outside gateway subnet
        {"startip": "192.168.2.101", "endip": "192.168.2.120", "vlan": "5000"},
    ]
    for case in bad:
        with pytest.raises(ApiError) as err:
            api.call(
                "createVlanIpRange",
                zoneid=zone["id"],
                gateway="192.168.2.1",
                netmask="255.255.255.0",
                **case,
            )
        assert err.value.status == 431, case
    make_pod(api, zone["id"])
    with pytest.raises(ApiError) as err:  # inside the pod's reserved range
        api.call(
            "createVlanIpRange",
            zoneid=zone["id"],
            gateway="172.16.15.1",
            netmask="255.255.255.0",
            startip="172.16.15.20",
            endip="172.16.15.30",
        )
    assert err.value.status == 431
    assert api.call("listVlanIpRanges", zoneid=zone["id"], vlan="50")["count"] == 1
    assert api.call("listVlanIpRanges", forvirtualnetwork=False) == {}
    with pytest.raises(ApiError) as err:
        api.call("deletePhysicalNetwork", id=net["id"])
    assert err.value.status == 536
    api.call("deleteVlanIpRange", id=rng["id"])
    assert api.call("listVlanIpRanges") == {}
    with pytest.raises(ApiError) as err:
        api.call("deleteVlanIpRange", id=rng["id"])
    assert err.value.status == 431
