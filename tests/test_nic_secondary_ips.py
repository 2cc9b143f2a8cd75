"""Secondary IPs of a NIC: addIpToNic / removeIpFromNic, listNics, vmguestip rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.test_network_rules import guest_vm, router_rules
from tests.vm_helpers import build, deploy, insert_network


def nic_of(api: ApiClient, vm_id: str) -> dict[str, Any]:
    (nic,) = api.call("listNics", virtualmachineid=vm_id)["nic"]
    return nic  # type: ignore[no-any-return]


def add_ip(api: ApiClient, nic_id: str, **params: Any) -> dict[str, Any]:
    return api.run("addIpToNic", nicid=nic_id, **params)["nicsecondaryip"]  # type: ignore[no-any-return]


def _isolated(cloud: Cloud) -> tuple[dict[str, Any], dict[str, Any]]:
    nz = advanced_zone(cloud.admin)
    net = isolated(cloud.admin, nz.zone["id"])
    ip = cloud.admin.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    return net, ip


def test_add_list_and_remove_secondary_ips(cloud: Cloud) -> None:
    api = cloud.admin
    net, _ip = _isolated(cloud)
    vm = guest_vm(cloud, net["id"], "web")
    nic = nic_of(api, vm["id"])

    first = add_ip(api, nic["id"])
    assert first["nicid"] == nic["id"] and first["networkid"] == net["id"]
    assert first["virtualmachineid"] == vm["id"]
    assert first["ipaddress"] not in (vm["ip"], net["gateway"])
    chosen = add_ip(api, nic["id"], ipaddress="10.1.1.200")
    assert chosen["ipaddress"] == "10.1.1.200"
    listed = nic_of(api, vm["id"])["secondaryip"]
    assert listed == [
        {"id": first["id"], "ipaddress": first["ipaddress"]},
        {"id": chosen["id"], "ipaddress": "10.1.1.200"},
    ]
    # A later VM's primary address skips the secondary IPs.
    other = guest_vm(cloud, net["id"], "db")
    assert other["ip"] not in (first["ipaddress"], "10.1.1.200")

    for bad, text in [
        (vm["ip"], "already in use"),  # the NIC's own primary address
        (other["ip"], "already in use"),  # another VM's address
        ("10.1.1.200", "already in use"),
        ("10.9.9.9", "outside network"),
        (net["gateway"], "outside network"),
        ("not-an-ip", "Invalid IP address"),
    ]:
        with pytest.raises(ApiError) as err:
            api.call("addIpToNic", nicid=nic["id"], ipaddress=bad)
        assert err.value.status == 431 and text in err.value.body["errortext"], bad
    assert len(nic_of(api, vm["id"])["secondaryip"]) == 2

    assigned = api.call("listEvents", type="NIC.SECONDARY.IP.ASSIGN")["event"]
    assert len(assigned) == 2
    types = {t["name"] for t in api.call("listEventTypes")["eventtype"]}
    assert {"NIC.SECONDARY.IP.ASSIGN", "NIC.SECONDARY.IP.UNASSIGN"} <= types
    assert api.run("removeIpFromNic", id=first["id"])["success"] is True
    assert [s["id"] for s in nic_of(api, vm["id"])["secondaryip"]] == [chosen["id"]]
    assert api.call("listEvents", type="NIC.SECONDARY.IP.UNASSIGN")["count"] == 1
    with pytest.raises(ApiError) as gone:
        api.call("removeIpFromNic", id=first["id"])
    assert gone.value.status == 431
    # The removed address is free again.
    assert add_ip(api, nic["id"], ipaddress=first["ipaddress"])["ipaddress"] == first["ipaddress"]


def test_per_nic_limit_and_networks_without_a_range(cloud: Cloud) -> None:
    api = cloud.admin
    net, _ip = _isolated(cloud)
    vm = guest_vm(cloud, net["id"], "web")
    nic = nic_of(api, vm["id"])
    api.call("updateConfiguration", name="vm.network.nic.max.secondary.ipaddresses", value="2")
    add_ip(api, nic["id"])
    add_ip(api, nic["id"])
    with pytest.raises(ApiError) as full:
        api.call("addIpToNic", nicid=nic["id"])
    assert full.value.status == 533
    assert "vm.network.nic.max.secondary.ipaddresses" in full.value.body["errortext"]
    assert len(nic_of(api, vm["id"])["secondaryip"]) == 2

    l2 = api.call(
        "createNetwork",
        name="flat",
        displaytext="flat",
        zoneid=net["zoneid"],
        networkofferingid=api.call("listNetworkOfferings", name="DefaultL2NetworkOffering")[
            "networkoffering"
        ][0]["id"],
    )["network"]
    l2_vm = guest_vm(cloud, l2["id"], "l2")
    with pytest.raises(ApiError) as no_range:
        api.call("addIpToNic", nicid=nic_of(api, l2_vm["id"])["id"])
    assert no_range.value.status == 431 and "no IPv4 range" in no_range.value.body["errortext"]


def test_static_nat_and_port_forwarding_honour_vmguestip(cloud: Cloud) -> None:
    api = cloud.admin
    net, ip = _isolated(cloud)
    vm = guest_vm(cloud, net["id"], "web")
    secondary = add_ip(api, nic_of(api, vm["id"])["id"])
    address = secondary["ipaddress"]

    with pytest.raises(ApiError) as unknown:
        api.call(
            "enableStaticNat",
            ipaddressid=ip["id"],
            virtualmachineid=vm["id"],
            vmguestip="10.1.1.250",
        )
    assert unknown.value.status == 431 and "addIpToNic" in unknown.value.body["errortext"]
    api.call("enableStaticNat", ipaddressid=ip["id"], virtualmachineid=vm["id"], vmguestip=address)
    nat = [r for r in router_rules(api, net["id"]) if r["purpose"] == "StaticNat"]
    assert [(r["publicip"], r["vmip"]) for r in nat] == [(ip["ipaddress"], address)]
    (shown,) = api.call("listPublicIpAddresses", id=ip["id"])["publicipaddress"]
    assert shown["vmipaddress"] == address and shown["virtualmachineid"] == vm["id"]
    with pytest.raises(ApiError) as used:
        api.run("removeIpFromNic", id=secondary["id"])
    assert used.value.status == 431 and "static NAT" in used.value.body["errortext"]
    api.run("disableStaticNat", ipaddressid=ip["id"])

    rule = api.run(
        "createPortForwardingRule",
        ipaddressid=ip["id"],
        protocol="tcp",
        publicport=8080,
        privateport=80,
        virtualmachineid=vm["id"],
        vmguestip=address,
    )["portforwardingrule"]
    assert rule["vmguestip"] == address
    forwarded = [r for r in router_rules(api, net["id"]) if r["purpose"] == "PortForwarding"]
    assert [r["vmip"] for r in forwarded] == [address]
    with pytest.raises(ApiError) as pf:
        api.run("removeIpFromNic", id=secondary["id"])
    assert pf.value.status == 431 and "port forwarding" in pf.value.body["errortext"]
    assert nic_of(api, vm["id"])["secondaryip"][0]["ipaddress"] == address
    api.run("deletePortForwardingRule", id=rule["id"])
    api.run("removeIpFromNic", id=secondary["id"])
    assert nic_of(api, vm["id"])["secondaryip"] == []


@pytest.mark.backends("sqlite", "mariadb")
def test_concurrent_allocations_never_share_an_address(cloud: Cloud) -> None:
    api = cloud.admin
    net, _ip = _isolated(cloud)
    vms = [guest_vm(cloud, net["id"], f"vm{i}") for i in range(2)]
    nic_ids = [nic_of(api, vm["id"])["id"] for vm in vms]

    def add(i: int) -> str:
        return add_ip(api, nic_ids[i % 2])["ipaddress"]

    def primary(i: int) -> str:
        return guest_vm(cloud, net["id"], f"late{i}")["ip"]

    with ThreadPoolExecutor(6) as pool:
        secondaries = list(pool.map(add, range(8)))
        primaries = list(pool.map(primary, range(4)))
    every = secondaries + primaries + [vm["ip"] for vm in vms]
    assert len(set(every)) == len(every)

    def same(i: int) -> int:
        try:
            api.run("addIpToNic", nicid=nic_ids[i % 2], ipaddress="10.1.1.222")
            return 200
        except ApiError as err:
            return err.status

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(same, range(4)))
    assert outcomes == [200, 431, 431, 431]


def test_expunge_and_nic_removal_release_the_addresses(cloud: Cloud) -> None:
    api = cloud.admin
    env = build(cloud, hosts_per_cluster=1)
    second = insert_network(cloud, env.zone["id"], 2, "10.2.2.0/24")
    vm = deploy(api, env, name="keep")["virtualmachine"]
    doomed = deploy(api, env, name="doomed")["virtualmachine"]
    (nic,) = doomed["nic"]
    address = add_ip(api, nic["id"])["ipaddress"]
    api.run("destroyVirtualMachine", id=doomed["id"], expunge=True)
    keep_nic = vm["nic"][0]["id"]
    assert add_ip(api, keep_nic, ipaddress=address)["ipaddress"] == address
    (listed,) = api.call("listVirtualMachines", id=vm["id"])["virtualmachine"]
    assert [s["ipaddress"] for s in listed["nic"][0]["secondaryip"]] == [address]

    added = api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second)
    extra = next(n for n in added["virtualmachine"]["nic"] if n["networkid"] == second)
    on_second = add_ip(api, extra["id"], ipaddress="10.2.2.77")
    assert on_second["networkid"] == second
    api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=extra["id"])
    with pytest.raises(ApiError) as gone:
        api.call("removeIpFromNic", id=on_second["id"])
    assert gone.value.status == 431
    again = api.run(
        "addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second, ipaddress="10.2.2.77"
    )
    assert any(n["ipaddress"] == "10.2.2.77" for n in again["virtualmachine"]["nic"])


def test_basic_zone_secondary_ips_come_from_the_vms_pod_and_join_group_rules(
    cloud: Cloud,
) -> None:
    from tests.test_basic_zone_vms import _deploy, _in, basic_zone, host_rules

    api = cloud.admin
    bz = basic_zone(cloud)
    web = api.call("createSecurityGroup", name="web")["securitygroup"]
    vm = _deploy(api, bz, securitygroupids=web["id"], podid=bz.pods[0]["id"])
    peer = _deploy(api, bz, securitygroupnames="default", podid=bz.pods[1]["id"])
    api.run(
        "authorizeSecurityGroupIngress", securitygroupid=web["id"], protocol="tcp",
        startport=80, endport=80, **{"usersecuritygrouplist[0].account": "admin",
                                     "usersecuritygrouplist[0].group": "default"},
    )  # fmt: skip
    primary = peer["nic"][0]["ipaddress"]
    extra = add_ip(api, peer["nic"][0]["id"])
    assert _in(extra["ipaddress"], bz.ranges[1]) and extra["ipaddress"] != primary
    # The rule allowing the default group now names the peer's secondary IP too.
    assert host_rules(vm)["ingress"][0]["cidrs"] == sorted(
        [f"{primary}/32", f"{extra['ipaddress']}/32"]
    )
    with pytest.raises(ApiError) as other_pod:  # an address of the other pod's range
        api.call("addIpToNic", nicid=peer["nic"][0]["id"], ipaddress=bz.ranges[0][0])
    assert other_pod.value.status == 431 and "another pod" in other_pod.value.body["errortext"]
    api.run("removeIpFromNic", id=extra["id"])
    assert host_rules(vm)["ingress"][0]["cidrs"] == [f"{primary}/32"]
