"""Basic zones end to end: pod-addressed guest NICs and security groups on the host."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from cumulo.drivers.registry import driver_for
from tests.infra_helpers import add_host, make_cluster, wait_hosts_up
from tests.network_helpers import offering
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import insert_template

SG_OFFERING = "DefaultSharedNetworkOfferingWithSGService"


@dataclass
class BasicZone:
    zone: dict[str, Any]
    pods: list[dict[str, Any]]
    ranges: list[tuple[str, str]]
    network: dict[str, Any]
    template_id: str
    offering_id: str


def basic_zone(cloud: Cloud, pods: int = 2) -> BasicZone:
    """Marvin's Basic zone order: zone, physical network, providers, guest network, pods."""
    api = cloud.admin
    zone = api.call(
        "createZone", name="basic", networktype="Basic", dns1="8.8.8.8",
        internaldns1="10.147.28.6", securitygroupenabled=True,
    )["zone"]  # fmt: skip
    pnet = api.run("createPhysicalNetwork", zoneid=zone["id"], name="pnet", isolationmethods="L3")[
        "physicalnetwork"
    ]
    for traffic in ("Guest", "Management"):
        api.run("addTrafficType", physicalnetworkid=pnet["id"], traffictype=traffic)
    for name in ("VirtualRouter", "SecurityGroupProvider"):
        nsp = api.call("listNetworkServiceProviders", name=name, physicalnetworkid=pnet["id"])[
            "networkserviceprovider"
        ][0]
        if name == "VirtualRouter":
            element = api.call("listVirtualRouterElements", nspid=nsp["id"])
            api.run("configureVirtualRouterElement",
                    id=element["virtualrouterelement"][0]["id"], enabled=True)  # fmt: skip
        api.run("updateNetworkServiceProvider", id=nsp["id"], state="Enabled")
    api.run("updatePhysicalNetwork", id=pnet["id"], state="Enabled")
    network = api.call(
        "createNetwork", name="guestNetworkForBasicZone", displaytext="guest",
        zoneid=zone["id"], networkofferingid=offering(api, SG_OFFERING)["id"],
    )["network"]  # fmt: skip
    made, ranges = [], []
    for p in range(pods):
        pod = api.call(
            "createPod", zoneid=zone["id"], name=f"POD{p}", gateway=f"172.16.{p}.1",
            netmask="255.255.255.0", startip=f"172.16.{p}.2", endip=f"172.16.{p}.20",
        )["pod"]  # fmt: skip
        first, last = f"10.{p + 1}.0.10", f"10.{p + 1}.0.12"
        api.call(
            "createVlanIpRange", podid=pod["id"], networkid=network["id"],
            gateway=f"10.{p + 1}.0.1", netmask="255.255.255.0", startip=first, endip=last,
            forvirtualnetwork=False,
        )  # fmt: skip
        cluster = make_cluster(api, zone["id"], pod["id"], name=f"C{p}")
        add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c{p}/h0")
        wait_hosts_up(api, 1, clusterid=cluster["id"])
        api.call("createStoragePool", zoneid=zone["id"], podid=pod["id"],
                 clusterid=cluster["id"], name=f"PS{p}", url=f"nfs://10.0.0.1/ps{p}")  # fmt: skip
        made.append(pod)
        ranges.append((first, last))
    api.call("addSecondaryStorage", zoneid=zone["id"], url="nfs://10.0.0.1/sec")
    api.call("updateZone", id=zone["id"], allocationstate="Enabled")
    so = api.call("createServiceOffering", name="tiny", cpunumber=1, cpuspeed=100, memory=128)
    return BasicZone(
        zone, made, ranges, network, insert_template(cloud, zone["id"]),
        so["serviceoffering"]["id"],
    )  # fmt: skip


def _in(ip: str, span: tuple[str, str]) -> bool:
    value = ipaddress.IPv4Address(ip)
    return ipaddress.IPv4Address(span[0]) <= value <= ipaddress.IPv4Address(span[1])


def host_rules(vm: dict[str, Any]) -> dict[str, Any]:
    """The security group rules the simulated host enforces on the VM's only NIC."""
    world = driver_for("simulator").world  # type: ignore[attr-defined]
    state = world.vm_state()[vm["instancename"]]
    (rules,) = state["security_rules"].values()
    return rules  # type: ignore[no-any-return]


def _deploy(api: ApiClient, bz: BasicZone, **extra: Any) -> dict[str, Any]:
    return api.run(
        "deployVirtualMachine", zoneid=bz.zone["id"], serviceofferingid=bz.offering_id,
        templateid=bz.template_id, **extra,
    )["virtualmachine"]  # fmt: skip


def test_basic_zone_vm_gets_a_pod_address_and_the_default_group(cloud: Cloud) -> None:
    api = cloud.admin
    bz = basic_zone(cloud)
    assert bz.network["type"] == "Shared"
    vm = _deploy(api, bz, podid=bz.pods[1]["id"], name="web")
    (nic,) = vm["nic"]
    assert nic["networkid"] == bz.network["id"] and nic["isdefault"] is True
    assert _in(nic["ipaddress"], bz.ranges[1]), nic
    assert nic["gateway"] == "10.2.0.1" and nic["netmask"] == "255.255.255.0"
    assert [g["name"] for g in vm["securitygroup"]] == ["default"]
    # The default group allows nothing in and everything out until rules are added.
    assert host_rules(vm) == {"ingress": [], "egress": []}
    # The address stays with the VM across stop/start, and so does its pod.
    api.run("stopVirtualMachine", id=vm["id"])
    again = api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    assert again["nic"][0]["ipaddress"] == nic["ipaddress"]
    assert again["hostid"] == vm["hostid"]

    # Basic zones refuse network ids, NIC changes and groups that do not exist.
    with pytest.raises(ApiError) as nets:
        _deploy(api, bz, networkids=bz.network["id"])
    assert nets.value.status == 431 and "Basic zone" in nets.value.body["errortext"]
    with pytest.raises(ApiError) as add:
        api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=bz.network["id"])
    assert add.value.status == 431 and "Basic" in add.value.body["errortext"]
    with pytest.raises(ApiError) as unknown:
        _deploy(api, bz, securitygroupnames="nope")
    assert unknown.value.status == 431


def test_requested_address_picks_the_pod_and_ranges_run_out(cloud: Cloud) -> None:
    api = cloud.admin
    bz = basic_zone(cloud)
    vm = _deploy(api, bz, ipaddress="10.2.0.11")
    assert vm["nic"][0]["ipaddress"] == "10.2.0.11"
    host = api.call("listHosts", id=vm["hostid"])["host"][0]
    assert host["podid"] == bz.pods[1]["id"]
    with pytest.raises(ApiError) as taken:
        _deploy(api, bz, ipaddress="10.2.0.11")
    assert taken.value.status == 431
    with pytest.raises(ApiError) as outside:
        _deploy(api, bz, ipaddress="10.9.0.11")
    assert outside.value.status == 431
    # Pod 0 has three addresses; three concurrent deployments get one each, and the
    # fourth VM placed there cannot get one.
    pod0 = bz.pods[0]["id"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        made = list(pool.map(lambda _: _deploy(api, bz, podid=pod0), range(3)))
    addresses = {vm["nic"][0]["ipaddress"] for vm in made}
    assert addresses == {"10.1.0.10", "10.1.0.11", "10.1.0.12"}
    with pytest.raises(ApiError) as full:
        _deploy(api, bz, podid=pod0)
    assert "no free guest IP address" in full.value.body["errortext"]
    # A range whose addresses are in use cannot be deleted.
    (used,) = api.call("listVlanIpRanges", podid=pod0)["vlaniprange"]
    with pytest.raises(ApiError) as busy:
        api.call("deleteVlanIpRange", id=used["id"])
    assert busy.value.status == 536


def test_security_group_rules_follow_authorize_and_revoke(cloud: Cloud) -> None:
    api = cloud.admin
    bz = basic_zone(cloud, pods=1)
    web = api.call("createSecurityGroup", name="web")["securitygroup"]
    vm = _deploy(api, bz, securitygroupids=web["id"])
    assert [g["id"] for g in vm["securitygroup"]] == [web["id"]]
    peer = _deploy(api, bz, securitygroupnames="default")
    rule = api.run(
        "authorizeSecurityGroupIngress", securitygroupid=web["id"], protocol="tcp",
        startport=22, endport=22, cidrlist="192.168.0.0/16",
    )["securitygroup"]["ingressrule"][0]  # fmt: skip
    assert host_rules(vm)["ingress"] == [
        {"protocol": "tcp", "startport": 22, "endport": 22, "icmptype": None,
         "icmpcode": None, "cidrs": ["192.168.0.0/16"]}
    ]  # fmt: skip
    # A rule allowing the default group names its members' addresses.
    api.run(
        "authorizeSecurityGroupIngress", securitygroupid=web["id"], protocol="tcp",
        startport=80, endport=80, **{"usersecuritygrouplist[0].account": "admin",
                                     "usersecuritygrouplist[0].group": "default"},
    )  # fmt: skip
    cidrs = [r["cidrs"] for r in host_rules(vm)["ingress"]]
    assert cidrs == [["192.168.0.0/16"], [f"{peer['nic'][0]['ipaddress']}/32"]]
    assert host_rules(peer) == {"ingress": [], "egress": []}
    api.run("revokeSecurityGroupIngress", id=rule["ruleid"])
    assert [r["startport"] for r in host_rules(vm)["ingress"]] == [80]
    # The peer goes away: the rule that allowed its group no longer names it.
    api.run("destroyVirtualMachine", id=peer["id"], expunge=True)
    assert host_rules(vm)["ingress"][0]["cidrs"] == []
    with pytest.raises(ApiError) as both:
        _deploy(api, bz, securitygroupids=web["id"], securitygroupnames="web")
    assert both.value.status == 431
