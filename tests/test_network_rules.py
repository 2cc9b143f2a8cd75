"""Firewall, egress, port forwarding, static NAT and load balancer rules on the router."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from cumulo.db.models.network import Network
from cumulo.db.models.vm import VMInstance
from cumulo.drivers.registry import driver_for
from cumulo.services.nics import allocate_nic
from tests.helpers_accounts import make_user
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud


def guest_vm(cloud: Cloud, network_uuid: str, name: str) -> dict[str, str]:
    """A user VM with a NIC on the network, stored as the VM service stores it."""

    def work(session):  # type: ignore[no-untyped-def]
        net = session.execute(select(Network).where(Network.uuid == network_uuid)).scalar_one()
        vm = VMInstance(
            instance_name=f"i-{name}",
            name=name,
            state="Running",
            zone_id=net.zone_id,
            service_offering_id=1,
            account_id=net.account_id,
            domain_id=net.domain_id,
            domain_path=net.domain_path,
        )
        session.add(vm)
        session.flush()
        nic = allocate_nic(session, net, vm.id, is_default=True)
        return {"id": vm.uuid, "ip": nic.ip4_address}

    return cloud.rt.db.run(work)  # type: ignore[no-any-return]


def router_rules(api: ApiClient, network_id: str) -> list[dict[str, Any]]:
    (router,) = api.call("listRouters", networkid=network_id, listall=True)["router"]
    world = driver_for("simulator").world  # type: ignore[attr-defined]
    with world.lock:
        return list(world.router_rules.get(router["name"], []))


def _setup(cloud: Cloud, api: ApiClient | None = None) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    api = api or cloud.admin
    nz = advanced_zone(cloud.admin)
    net = isolated(api, nz.zone["id"])
    ip = api.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    return nz.zone, net, ip


def test_firewall_rules_reach_the_router_and_conflict(cloud: Cloud) -> None:
    api = cloud.admin
    _zone, net, ip = _setup(cloud)
    rule = api.run(
        "createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=20, endport=30
    )["firewallrule"]
    assert (rule["startport"], rule["endport"], rule["state"]) == (20, 30, "Active")
    assert rule["cidrlist"] == "0.0.0.0/0"
    on_router = router_rules(api, net["id"])
    assert [(r["purpose"], r["ports"]) for r in on_router] == [("Firewall", [20, 30])]
    with pytest.raises(ApiError) as err:  # overlapping ports, same protocol
        api.call("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=25)
    assert err.value.status == 537 and rule["id"] in err.value.body["errortext"]
    udp = api.run("createFirewallRule", ipaddressid=ip["id"], protocol="udp", startport=25)
    icmp = api.run(
        "createFirewallRule", ipaddressid=ip["id"], protocol="icmp", icmptype=8, icmpcode=0
    )["firewallrule"]
    assert icmp["icmptype"] == 8
    for bad in ({"protocol": "tcp", "startport": 70000}, {"protocol": "gre"}):
        with pytest.raises(ApiError) as err:
            api.call("createFirewallRule", ipaddressid=ip["id"], **bad)
        assert err.value.status == 431
    assert api.call("listFirewallRules", ipaddressid=ip["id"])["count"] == 3
    api.run("deleteFirewallRule", id=udp["firewallrule"]["id"])
    assert len(router_rules(api, net["id"])) == 2
    egress = api.run("createEgressFirewallRule", networkid=net["id"], protocol="tcp", startport=80)[
        "firewallrule"
    ]
    assert egress["traffictype"] == "Egress"
    assert api.call("listEgressFirewallRules", networkid=net["id"])["count"] == 1
    with pytest.raises(ApiError) as err:
        api.call("createEgressFirewallRule", networkid=net["id"], protocol="all")
    assert err.value.status == 537
    api.run("deleteEgressFirewallRule", id=egress["id"])
    assert api.call("listEgressFirewallRules") == {}


def test_port_forwarding_static_nat_and_conflicts(cloud: Cloud) -> None:
    api = cloud.admin
    _zone, net, ip = _setup(cloud)
    vm = guest_vm(cloud, net["id"], "web")
    pf = api.run(
        "createPortForwardingRule",
        ipaddressid=ip["id"],
        protocol="tcp",
        publicport=2200,
        publicendport=2210,
        privateport=22,
        privateendport=32,
        virtualmachineid=vm["id"],
        openfirewall=True,
    )["portforwardingrule"]
    assert pf["vmguestip"] == vm["ip"] and pf["publicport"] == "2200"
    purposes = sorted(r["purpose"] for r in router_rules(api, net["id"]))
    assert purposes == ["Firewall", "PortForwarding"]
    with pytest.raises(ApiError) as err:
        api.call(
            "createPortForwardingRule",
            ipaddressid=ip["id"],
            protocol="tcp",
            publicport=2205,
            privateport=22,
            virtualmachineid=vm["id"],
        )
    assert err.value.status == 537
    updated = api.run("updatePortForwardingRule", id=pf["id"], privateport=122, privateendport=132)
    assert updated["portforwardingrule"]["privateport"] == "122"
    with pytest.raises(ApiError) as err:  # NAT rules exist on the IP
        api.call("enableStaticNat", ipaddressid=ip["id"], virtualmachineid=vm["id"])
    assert err.value.status == 537
    other = api.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    api.call("enableStaticNat", ipaddressid=other["id"], virtualmachineid=vm["id"])
    nat = [r for r in router_rules(api, net["id"]) if r["purpose"] == "StaticNat"]
    assert nat == [{"purpose": "StaticNat", "publicip": other["ipaddress"], "vmip": vm["ip"]}]
    assert api.call("listPublicIpAddresses", isstaticnat=True)["count"] == 1
    with pytest.raises(ApiError) as err:
        api.call(
            "createPortForwardingRule",
            ipaddressid=other["id"],
            protocol="udp",
            publicport=53,
            privateport=53,
            virtualmachineid=vm["id"],
        )
    assert err.value.status == 537
    api.run("disableStaticNat", ipaddressid=other["id"])
    assert not [r for r in router_rules(api, net["id"]) if r["purpose"] == "StaticNat"]
    api.run("deletePortForwardingRule", id=pf["id"])
    assert api.call("listPortForwardingRules") == {}


def test_vm_must_be_on_the_rule_network(cloud: Cloud) -> None:
    api = cloud.admin
    zone, _net, ip = _setup(cloud)
    other_net = isolated(api, zone["id"], name="other")
    stranger = guest_vm(cloud, other_net["id"], "stranger")
    with pytest.raises(ApiError) as err:
        api.call(
            "createPortForwardingRule",
            ipaddressid=ip["id"],
            protocol="tcp",
            publicport=80,
            privateport=80,
            virtualmachineid=stranger["id"],
        )
    assert err.value.status == 431 and "no NIC on network" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.call("enableStaticNat", ipaddressid=ip["id"], virtualmachineid=stranger["id"])
    assert err.value.status == 431
    assert api.call("listPortForwardingRules") == {}


def test_ip_forwarding_rules_on_a_static_nat_address(cloud: Cloud) -> None:
    api = cloud.admin
    _zone, net, ip = _setup(cloud)
    vm = guest_vm(cloud, net["id"], "db")
    with pytest.raises(ApiError) as err:  # no static NAT on the address yet
        api.call("createIpForwardingRule", ipaddressid=ip["id"], protocol="tcp", startport=5432)
    assert err.value.status == 431 and "enableStaticNat" in err.value.body["errortext"]
    nat = api.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    api.call("enableStaticNat", ipaddressid=nat["id"], virtualmachineid=vm["id"])
    rule = api.run(
        "createIpForwardingRule",
        ipaddressid=nat["id"],
        protocol="tcp",
        startport=5432,
        endport=5433,
        openfirewall=True,
    )["ipforwardingrule"]
    assert (rule["startport"], rule["endport"], rule["virtualmachineid"]) == (
        "5432",
        "5433",
        vm["id"],
    )
    on_router = {r["purpose"]: r for r in router_rules(api, net["id"]) if "id" in r}
    assert on_router["StaticNat"]["ports"] == [5432, 5433]
    assert on_router["StaticNat"]["vmip"] == vm["ip"] and "Firewall" in on_router
    with pytest.raises(ApiError) as err:
        api.call("createIpForwardingRule", ipaddressid=nat["id"], protocol="tcp", startport=5433)
    assert err.value.status == 537
    listed = api.call("listIpForwardingRules", virtualmachineid=vm["id"])["ipforwardingrule"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert api.call("listIpForwardingRules", ipaddressid=ip["id"]) == {}
    api.run("deleteIpForwardingRule", id=rule["id"])
    assert api.call("listIpForwardingRules") == {}
    api.run("createIpForwardingRule", ipaddressid=nat["id"], protocol="udp", startport=53)
    api.run("disableStaticNat", ipaddressid=nat["id"])  # takes its forwarding rules along
    assert api.call("listIpForwardingRules", virtualmachineid=vm["id"]) == {}
    assert not [r for r in router_rules(api, net["id"]) if r["purpose"] == "StaticNat"]


def test_load_balancer_rules_and_members(cloud: Cloud) -> None:
    api = cloud.admin
    _zone, net, ip = _setup(cloud)
    web1, web2 = guest_vm(cloud, net["id"], "web1"), guest_vm(cloud, net["id"], "web2")
    lb = api.run(
        "createLoadBalancerRule",
        publicipid=ip["id"],
        name="web",
        algorithm="roundrobin",
        publicport=80,
        privateport=8080,
    )["loadbalancer"]
    assert (lb["algorithm"], lb["publicport"], lb["privateport"]) == ("roundrobin", "80", "8080")
    api.run("assignToLoadBalancerRule", id=lb["id"], virtualmachineids=f"{web1['id']},{web2['id']}")
    members = api.call("listLoadBalancerRuleInstances", id=lb["id"], lbvmips=True)
    assert {m["loadbalancerruleinstance"]["name"] for m in members["lbrulevmidip"]} == {
        "web1",
        "web2",
    }
    assert sorted(ip for m in members["lbrulevmidip"] for ip in m["lbvmipaddresses"]) == sorted(
        [web1["ip"], web2["ip"]]
    )
    # Without lbvmips the members are plain VM responses (what Ansible's module reads).
    plain = api.call("listLoadBalancerRuleInstances", id=lb["id"])["loadbalancerruleinstance"]
    assert {(vm["name"], vm["state"]) for vm in plain} == {("web1", "Running"), ("web2", "Running")}
    (on_router,) = [r for r in router_rules(api, net["id"]) if r["purpose"] == "LoadBalancing"]
    assert on_router["members"] == sorted([web1["ip"], web2["ip"]])
    with pytest.raises(ApiError) as err:  # port 80 is taken on this IP
        api.call(
            "createLoadBalancerRule",
            publicipid=ip["id"],
            name="dup",
            algorithm="source",
            publicport=80,
            privateport=80,
        )
    assert err.value.status == 537
    api.run("removeFromLoadBalancerRule", id=lb["id"], virtualmachineids=web1["id"])
    (on_router,) = [r for r in router_rules(api, net["id"]) if r["purpose"] == "LoadBalancing"]
    assert on_router["members"] == [web2["ip"]]
    eligible = api.call("listLoadBalancerRuleInstances", id=lb["id"], applied=False)
    assert [vm["name"] for vm in eligible["loadbalancerruleinstance"]] == ["web1"]
    upd = api.run("updateLoadBalancerRule", id=lb["id"], algorithm="leastconn")["loadbalancer"]
    assert upd["algorithm"] == "leastconn"
    assert api.call("listLoadBalancerRules", virtualmachineid=web2["id"])["count"] == 1
    api.run("deleteLoadBalancerRule", id=lb["id"])
    assert api.call("listLoadBalancerRules") == {}
    assert not router_rules(api, net["id"])


def test_concurrent_overlapping_rules_only_one_wins(cloud: Cloud) -> None:
    api = cloud.admin
    _zone, _net, ip = _setup(cloud)

    def create(port: int) -> int:
        try:
            api.call(
                "createFirewallRule",
                ipaddressid=ip["id"],
                protocol="tcp",
                startport=port,
                endport=port + 10,
            )
            return 0
        except ApiError as exc:
            return exc.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(create, [100 + i for i in range(8)]))
    assert codes.count(0) == 1 and codes.count(537) == 7


def test_router_refusal_removes_the_new_rule(cloud: Cloud) -> None:
    api = cloud.admin
    zone, net, ip = _setup(cloud)
    api.call(
        "configureSimulator",
        name="SetFirewallRulesCommand",
        value="result:fail",
        count=1,
        zoneid=zone["id"],
    )
    with pytest.raises(ApiError) as err:
        api.run("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=22)
    assert err.value.status == 534
    assert api.call("listFirewallRules") == {}
    api.run("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=22)
    assert len(router_rules(api, net["id"])) == 1


def test_other_accounts_cannot_use_rules_or_ips(cloud: Cloud) -> None:
    alice, bob = make_user(cloud, "alice"), make_user(cloud, "bob")
    _zone, net, ip = _setup(cloud, alice.client)
    rule = alice.client.run(
        "createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=22
    )
    with pytest.raises(ApiError) as err:
        bob.client.call("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=80)
    assert err.value.status == 531
    with pytest.raises(ApiError) as err:
        bob.client.call("deleteFirewallRule", id=rule["firewallrule"]["id"])
    assert err.value.status == 531
    with pytest.raises(ApiError) as err:
        bob.client.call("createEgressFirewallRule", networkid=net["id"], protocol="all")
    assert err.value.status == 531
    assert bob.client.call("listFirewallRules", listall=True) == {}
    assert alice.client.call("listFirewallRules")["count"] == 1
