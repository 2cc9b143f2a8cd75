"""Marvin's deployment order (§7) end to end through the API."""

from __future__ import annotations

from tests.infra_helpers import add_host, wait_hosts_up
from tests.support.cloud import Cloud


def _enable_providers(api, net_id: str, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        nsp = api.call(
            "listNetworkServiceProviders", name=name, physicalnetworkid=net_id, state="Disabled"
        )["networkserviceprovider"][0]
        if name in ("VirtualRouter", "VpcVirtualRouter"):
            element = api.call("listVirtualRouterElements", nspid=nsp["id"])[
                "virtualrouterelement"
            ][0]
            assert element["enabled"] is False
            api.run("configureVirtualRouterElement", id=element["id"], enabled=True)
        result = api.run("updateNetworkServiceProvider", id=nsp["id"], state="Enabled")
        assert result["networkserviceprovider"]["state"] == "Enabled"


def test_advanced_zone_like_marvin(cloud: Cloud) -> None:
    api = cloud.admin
    zone = api.call(
        "createZone",
        name="Sandbox-simulator",
        networktype="Advanced",
        guestcidraddress="10.1.1.0/24",
        dns1="10.147.28.6",
        internaldns1="10.147.28.6",
    )["zone"]
    assert zone["allocationstate"] == "Disabled"
    created = api.call(
        "createPhysicalNetwork", zoneid=zone["id"], name="Sandbox-pnet", isolationmethods="VLAN"
    )
    net = api.wait_job(created["jobid"])["jobresult"]["physicalnetwork"]
    assert net["id"] == created["id"]
    for traffic in ("Guest", "Management", "Public"):
        api.run("addTrafficType", physicalnetworkid=net["id"], traffictype=traffic)
    _enable_providers(api, net["id"], ["VirtualRouter", "VpcVirtualRouter", "InternalLbVm"])
    net = api.run("updatePhysicalNetwork", id=net["id"], state="Enabled", vlan="100-200")[
        "physicalnetwork"
    ]
    assert (net["state"], net["vlan"]) == ("Enabled", "100-200")

    pod = api.call(
        "createPod",
        zoneid=zone["id"],
        name="POD0",
        gateway="172.16.15.1",
        netmask="255.255.255.0",
        startip="172.16.15.2",
        endip="172.16.15.200",
    )["pod"]
    for c in range(2):
        cluster = api.call(
            "addCluster",
            zoneid=zone["id"],
            podid=pod["id"],
            clustername=f"C{c}",
            clustertype="CloudManaged",
            hypervisor="simulator",
        )["cluster"][0]
        for h in range(2):
            add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c{c}/h{h}")
        wait_hosts_up(api, 2, clusterid=cluster["id"])
        for p in range(2):
            pool = api.call(
                "createStoragePool",
                zoneid=zone["id"],
                podid=pod["id"],
                clusterid=cluster["id"],
                name=f"PS{c}{p}",
                scope="cluster",
                url=f"nfs://10.147.28.6/export/home/sandbox/c{c}p{p}",
            )["storagepool"]
            assert pool["state"] == "Up" and pool["disksizetotal"] > 0

    vlan = api.call(
        "createVlanIpRange",
        zoneid=zone["id"],
        vlan="50",
        gateway="192.168.2.1",
        netmask="255.255.255.0",
        startip="192.168.2.2",
        endip="192.168.2.200",
        forvirtualnetwork=True,
    )["vlan"]
    assert vlan["vlan"] == "vlan://50" and vlan["physicalnetworkid"] == net["id"]
    store = api.call(
        "addImageStore",
        provider="NFS",
        name="sec",
        zoneid=zone["id"],
        url="nfs://10.147.28.6/export/home/sandbox/secondary",
    )["imagestore"]
    assert store["providername"] == "NFS"
    zone = api.call("updateZone", id=zone["id"], allocationstate="Enabled")["zone"]
    assert zone["allocationstate"] == "Enabled"

    hosts = wait_hosts_up(api, 4, zoneid=zone["id"])
    assert len({h["ipaddress"] for h in hosts}) == 4  # each host got its own pod address
    assert api.call("listStoragePools", zoneid=zone["id"])["count"] == 4
    caps = {c["type"]: c for c in api.call("listCapacity", zoneid=zone["id"])["capacity"]}
    assert caps[0]["capacitytotal"] == 4 * 8 * 1024**3  # 4 hosts x 8 GiB default
    assert caps[1]["capacitytotal"] == 4 * 4 * 8000  # 4 cores x 8000 MHz each
    assert caps[4]["capacitytotal"] == 199  # 192.168.2.2-200
    assert caps[5]["capacitytotal"] == 199 and caps[5]["capacityused"] == 4
    assert caps[7]["capacitytotal"] == 101  # VLANs 100-200
    assert caps[2]["capacitytotal"] > 0 and caps[6]["capacitytotal"] > 0
    # An ordinary user now sees the enabled zone.
    assert api.call("listZones", id=zone["id"])["zone"][0]["name"] == "Sandbox-simulator"


def test_basic_zone_with_security_groups(cloud: Cloud) -> None:
    api = cloud.admin
    zone = api.call(
        "createZone",
        name="Basic-sim",
        networktype="Basic",
        dns1="8.8.8.8",
        internaldns1="10.147.28.6",
        securitygroupenabled=True,
    )["zone"]
    assert zone["networktype"] == "Basic" and zone["securitygroupsenabled"] is True
    net = api.wait_job(
        api.call(
            "createPhysicalNetwork", zoneid=zone["id"], name="basic-pnet", isolationmethods="L3"
        )["jobid"]
    )["jobresult"]["physicalnetwork"]
    assert net["broadcastdomainrange"] == "POD"
    for traffic in ("Guest", "Management"):
        api.run("addTrafficType", physicalnetworkid=net["id"], traffictype=traffic)
    _enable_providers(api, net["id"], ["VirtualRouter", "SecurityGroupProvider"])
    api.run("updatePhysicalNetwork", id=net["id"], state="Enabled")
    pod = api.call(
        "createPod",
        zoneid=zone["id"],
        name="POD0",
        gateway="172.16.16.1",
        netmask="255.255.255.0",
        startip="172.16.16.2",
        endip="172.16.16.50",
    )["pod"]
    guest = api.call(
        "createVlanIpRange",
        podid=pod["id"],
        gateway="60.147.41.1",
        netmask="255.255.255.0",
        startip="60.147.41.2",
        endip="60.147.41.254",
        forvirtualnetwork=False,
    )["vlan"]
    assert guest["forvirtualnetwork"] is False and guest["podid"] == pod["id"]
    cluster = api.call(
        "addCluster",
        zoneid=zone["id"],
        podid=pod["id"],
        clustername="C0",
        clustertype="CloudManaged",
        hypervisor="Simulator",
    )["cluster"][0]
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1, zoneid=zone["id"])
    api.call(
        "createStoragePool",
        zoneid=zone["id"],
        podid=pod["id"],
        clusterid=cluster["id"],
        name="PS0",
        url="nfs://10.147.28.6/export/basic/ps0",
    )
    api.call("addSecondaryStorage", zoneid=zone["id"], url="nfs://10.147.28.6/export/basic/sec")
    assert (
        api.call("updateZone", id=zone["id"], allocationstate="Enabled")["zone"]["allocationstate"]
        == "Enabled"
    )
    ranges = api.call("listVlanIpRanges", zoneid=zone["id"])["vlaniprange"]
    assert [r["startip"] for r in ranges] == ["60.147.41.2"]
