"""Dedicated zones, pods, clusters and hosts: the commands, the conflicts CloudStack
refuses, and the planner keeping other owners off dedicated resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cumulo.api.roles import RoleType
from cumulo.db.models.account import Account
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.tenants import make_domain, make_tenant
from tests.vm_helpers import Env, build, deploy, insert_network


@dataclass
class Owner:
    name: str
    domain: str
    network: str

    def params(self) -> dict[str, str]:
        return {"account": self.name, "domainid": self.domain, "networkids": self.network}


def _owner(cloud: Cloud, env: Env, name: str, domain: str, cidr: str) -> Owner:
    make_tenant(cloud, name, domain)
    account_id = cloud.rt.db.run(
        lambda s: s.query(Account).filter_by(name=name, removed=None).one().id
    )
    return Owner(name, domain, insert_network(cloud, env.zone["id"], account_id, cidr))


def _vm(api: ApiClient, env: Env, owner: Owner, name: str, **extra: Any) -> dict[str, Any]:
    return deploy(api, env, name=name, **owner.params(), **extra)["virtualmachine"]


@pytest.fixture
def world(cloud: Cloud) -> tuple[Env, Owner, Owner, Owner]:
    """Two clusters of two hosts; alice and bob in domain ded, carol in domain other."""
    env = build(cloud, clusters=2, hosts_per_cluster=2)
    ded, other = make_domain(cloud, "ded"), make_domain(cloud, "other")
    alice = _owner(cloud, env, "alice", ded, "10.2.1.0/24")
    bob = _owner(cloud, env, "bob", ded, "10.2.2.0/24")
    carol = _owner(cloud, env, "carol", other, "10.2.3.0/24")
    return env, alice, bob, carol


def _error(fn: Any, *args: Any, **kw: Any) -> tuple[int, str]:
    with pytest.raises(ApiError) as err:
        fn(*args, **kw)
    return err.value.status, err.value.body["errortext"]


def test_dedicate_list_release_host(cloud: Cloud, world: Any) -> None:
    env, alice, _bob, _carol = world
    api, host = cloud.admin, env.hosts[0]
    result = api.run("dedicateHost", hostid=host["id"], domainid=alice.domain, account="alice")
    (item,) = result["dedicatedhost"]  # CloudStack answers a list
    assert item["hostid"] == host["id"] and item["hostname"] == host["name"]
    assert item["domainid"] == alice.domain and item["accountid"]
    group_id = item["affinitygroupid"]
    groups = api.call("listAffinityGroups", id=group_id, listall=True)["affinitygroup"]
    assert groups[0]["type"] == "ExplicitDedication" and groups[0]["account"] == "alice"
    assert groups[0]["name"] == "DedicatedGrp-alice"
    listed = api.call("listDedicatedHosts")
    assert listed["count"] == 1 and listed["dedicatedhost"][0]["id"] == item["id"]
    assert api.call("listDedicatedHosts", affinitygroupid=group_id)["count"] == 1
    assert api.call("listDedicatedHosts", hostid=env.hosts[1]["id"]) == {}
    assert api.call("listDedicatedHosts", domainid=alice.domain, account="alice")["count"] == 1
    status, text = _error(api.call, "dedicateHost", hostid=host["id"], domainid=alice.domain)
    assert status == 431 and "already dedicated to account alice" in text
    # The group cannot be deleted while it holds the dedication.
    status, _ = _error(api.call, "deleteAffinityGroup", id=group_id)
    assert status == 536
    assert api.run("releaseDedicatedHost", hostid=host["id"])["success"] is True
    assert api.call("listDedicatedHosts") == {}
    # The group went with the last dedication.
    assert _error(api.call, "listAffinityGroups", id=group_id, listall=True)[0] == 431
    status, text = _error(api.call, "releaseDedicatedHost", hostid=host["id"])
    assert status == 431 and "not dedicated" in text
    types = [e["type"] for e in api.call("listEvents", listall=True)["event"]]
    assert "DEDICATE.RESOURCE" in types and "DEDICATE.RESOURCE.RELEASE" in types
    # Deleting the account releases what was dedicated to it.
    api.run(
        "dedicateCluster", clusterid=env.clusters[0]["id"], domainid=alice.domain, account="alice"
    )
    alice_id = api.call("listAccounts", name="alice", domainid=alice.domain)["account"][0]["id"]
    api.run("deleteAccount", id=alice_id)
    assert api.call("listDedicatedClusters") == {}


def test_conflicting_dedications_are_refused(cloud: Cloud, world: Any) -> None:
    env, alice, bob, carol = world
    api = cloud.admin
    c0, pod, zone = env.clusters[0], env.pod, env.zone
    c0_host = next(h for h in env.hosts if h["clusterid"] == c0["id"])
    api.run("dedicateCluster", clusterid=c0["id"], domainid=alice.domain, account="alice")
    # A host inside alice's cluster cannot go to bob; the pod not to carol's domain.
    status, text = _error(
        api.call, "dedicateHost", hostid=c0_host["id"], domainid=bob.domain, account="bob"
    )
    assert status == 431 and "its cluster is already dedicated to account alice" in text
    status, text = _error(api.call, "dedicatePod", podid=pod["id"], domainid=carol.domain)
    assert status == 431 and "dedicated to account alice" in text
    # Dedicating the pod to alice folds her cluster dedication into it.
    pod_item = api.run("dedicatePod", podid=pod["id"], domainid=alice.domain, account="alice")
    assert api.call("listDedicatedClusters") == {}
    group = pod_item["dedicatedpod"][0]["affinitygroupid"]
    assert api.call("listDedicatedPods")["dedicatedpod"][0]["affinitygroupid"] == group
    api.run("releaseDedicatedPod", podid=pod["id"])
    # A zone dedicated to domain ded: its accounts may take a pod, another domain not.
    zone_item = api.run("dedicateZone", zoneid=zone["id"], domainid=alice.domain)
    assert "accountid" not in zone_item["dedicatedzone"][0]  # the whole domain
    status, text = _error(api.call, "dedicateCluster", clusterid=c0["id"], domainid=carol.domain)
    assert status == 431 and "its zone is already dedicated to domain ded" in text
    api.run("dedicatePod", podid=pod["id"], domainid=bob.domain, account="bob")
    status, text = _error(api.call, "releaseDedicatedCluster", clusterid=c0["id"])
    assert status == 431


def test_host_running_other_owners_vm_cannot_be_dedicated(cloud: Cloud, world: Any) -> None:
    env, alice, bob, _carol = world
    api = cloud.admin
    vm = _vm(api, env, bob, "bobs")
    status, text = _error(
        api.call, "dedicateHost", hostid=vm["hostid"], domainid=alice.domain, account="alice"
    )
    assert status == 536 and "running instance bobs" in text
    assert api.call("listDedicatedHosts") == {}  # nothing half-written
    # To bob himself, or to the domain both are in, it can be.
    api.run("dedicateHost", hostid=vm["hostid"], domainid=bob.domain)


def test_placement_honours_dedication(cloud: Cloud, world: Any) -> None:
    env, alice, bob, carol = world
    api = cloud.admin
    c0 = env.clusters[0]["id"]
    item = api.run("dedicateCluster", clusterid=c0, domainid=alice.domain, account="alice")
    group = item["dedicatedcluster"][0]["affinitygroupid"]
    for i in range(4):  # other owners, and alice without the group: never in c0
        for who in (bob, carol, alice):
            vm = _vm(api, env, who, f"{who.name}{i}")
            assert api.call("listHosts", id=vm["hostid"])["host"][0]["clusterid"] != c0
    for i in range(4):  # alice with her ExplicitDedication group: only in c0
        vm = _vm(api, env, alice, f"ded{i}", affinitygroupids=group)
        assert api.call("listHosts", id=vm["hostid"])["host"][0]["clusterid"] == c0
        assert [g["type"] for g in vm["affinitygroup"]] == ["ExplicitDedication"]
    # Another account may not use alice's group.
    status, _ = _error(_vm, api, env, bob, "thief", affinitygroupids=group)
    assert status == 531
    # Released, c0 is shared again.
    api.run("releaseDedicatedCluster", clusterid=c0)
    seen = {
        api.call("listHosts", id=_vm(api, env, bob, f"after{i}")["hostid"])["host"][0]["clusterid"]
        for i in range(12)
    }
    assert c0 in seen


def test_dedicated_zone_and_domain_group(cloud: Cloud, world: Any) -> None:
    env, alice, bob, carol = world
    api = cloud.admin
    item = api.run("dedicateZone", zoneid=env.zone["id"], domainid=alice.domain)
    domain_group = item["dedicatedzone"][0]["affinitygroupid"]
    status, _ = _error(_vm, api, env, carol, "outsider")
    assert status == 533  # no host of the zone is open to another domain
    # Inside: bob's host dedication is his alone, the rest of the zone is the domain's.
    bobs_host = env.hosts[3]
    api.run("dedicateHost", hostid=bobs_host["id"], domainid=bob.domain, account="bob")
    for i in range(3):
        plain = _vm(api, env, alice, f"plain{i}")
        assert plain["hostid"] != bobs_host["id"]
        shared = _vm(api, env, alice, f"shared{i}", affinitygroupids=domain_group)
        assert shared["hostid"] != bobs_host["id"]
    groups = api.call("listAffinityGroups", listall=True, type="ExplicitDedication")
    assert {g["name"] for g in groups["affinitygroup"]} == {
        "DedicatedGrp-domain-ded",
        "DedicatedGrp-bob",
    }
    bobs_group = api.call("listDedicatedHosts")["dedicatedhost"][0]["affinitygroupid"]
    for i in range(3):
        vm = _vm(api, env, bob, f"own{i}", affinitygroupids=bobs_group)
        assert vm["hostid"] == bobs_host["id"]


def test_only_admins_and_resource_admins(cloud: Cloud, world: Any) -> None:
    env, alice, _bob, _carol = world
    user = make_tenant(cloud, "plainuser", alice.domain).client
    status, _ = _error(user.call, "dedicateHost", hostid=env.hosts[0]["id"], domainid=alice.domain)
    assert status == 432
    assert _error(user.call, "listDedicatedZones")[0] == 432
    ops = make_tenant(cloud, "ops", None, RoleType.RESOURCE_ADMIN).client
    ops.run("dedicateHost", hostid=env.hosts[0]["id"], domainid=alice.domain)
    assert ops.call("listDedicatedHosts")["count"] == 1
    ops.run("releaseDedicatedHost", hostid=env.hosts[0]["id"])


def test_domain_group_is_visible_and_usable_to_the_domains_users(cloud: Cloud, world: Any) -> None:
    env, alice, _bob, carol = world
    api = cloud.admin
    api.run("dedicateCluster", clusterid=env.clusters[1]["id"], domainid=alice.domain)
    inside = make_tenant(cloud, "dora", alice.domain).client
    outside = make_tenant(cloud, "eve", carol.domain).client
    names = [g["name"] for g in inside.call("listAffinityGroups")["affinitygroup"]]
    assert names == ["DedicatedGrp-domain-ded"]
    assert outside.call("listAffinityGroups") == {}
