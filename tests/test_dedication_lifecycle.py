"""Dedications end with the resource they name; virtual routers honour dedication."""

from __future__ import annotations

from typing import Any

from tests.infra_helpers import add_host, make_cluster, make_pod, wait_hosts_up
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiClient
from tests.support.cloud import Cloud
from tests.tenants import make_domain, make_tenant
from tests.vm_helpers import build


def _explicit_groups(api: ApiClient) -> set[str]:
    found = api.call("listAffinityGroups", listall=True, type="ExplicitDedication")
    return {g["name"] for g in found.get("affinitygroup", [])}


def test_deleting_a_resource_releases_its_dedication(cloud: Cloud) -> None:
    api = cloud.admin
    env = build(cloud, clusters=1, hosts_per_cluster=2)
    domain = make_domain(cloud, "ded")
    make_tenant(cloud, "alice", domain)
    owner = {"domainid": domain, "account": "alice"}

    host = env.hosts[1]
    api.run("dedicateHost", hostid=host["id"], **owner)
    pod = make_pod(api, env.zone["id"], name="P2", prefix="172.16.16")
    api.run("dedicatePod", podid=pod["id"], domainid=domain)
    cluster = make_cluster(api, env.zone["id"], env.pod["id"], name="spare")
    api.run("dedicateCluster", clusterid=cluster["id"], **owner)
    zone = api.call(
        "createZone", name="z2", networktype="Advanced", dns1="8.8.8.8", internaldns1="8.8.8.8"
    )["zone"]
    api.run("dedicateZone", zoneid=zone["id"], domainid=domain)
    assert _explicit_groups(api) == {"DedicatedGrp-alice", "DedicatedGrp-domain-ded"}

    api.call("deleteHost", id=host["id"], forced=True)
    assert api.call("listDedicatedHosts") == {}
    api.call("deleteCluster", id=cluster["id"])
    assert api.call("listDedicatedClusters") == {}
    # alice's last dedication went with the cluster: so did her group.
    assert _explicit_groups(api) == {"DedicatedGrp-domain-ded"}
    api.call("deletePod", id=pod["id"])
    assert api.call("listDedicatedPods") == {}
    api.call("deleteZone", id=zone["id"])
    assert api.call("listDedicatedZones") == {}
    assert _explicit_groups(api) == set()
    released = api.call("listEvents", type="DEDICATE.RESOURCE.RELEASE", listall=True)["event"]
    assert len(released) == 4 and all("deleted" in e["description"] for e in released)
    # The hosts that stay are not dedicated, and can be dedicated again.
    api.run("dedicateHost", hostid=env.hosts[0]["id"], **owner)
    assert api.call("listDedicatedHosts")["count"] == 1


def _zone_with_hosts(api: ApiClient) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """An Advanced zone with two clusters of two hosts each."""
    nz = advanced_zone(api, hosts=0)
    zone = nz.zone
    pod = make_pod(api, zone["id"])
    hosts, clusters = [], []
    for c in range(2):
        cluster = make_cluster(api, zone["id"], pod["id"], name=f"C{c}")
        clusters.append(cluster["id"])
        for h in range(2):
            hosts.append(
                add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c{c}/h{h}")
            )
    wait_hosts_up(api, 4)
    return zone, hosts, clusters


def _routers_hosts(api: ApiClient, account: str, domain: str) -> list[str]:
    found = api.call("listRouters", account=account, domainid=domain, listall=True)["router"]
    return [r["hostid"] for r in found]


def test_routers_stay_off_other_owners_dedicated_hosts(cloud: Cloud) -> None:
    api = cloud.admin
    zone, hosts, clusters = _zone_with_hosts(api)
    ded, other = make_domain(cloud, "ded"), make_domain(cloud, "other")
    alice, bob = make_tenant(cloud, "alice", ded), make_tenant(cloud, "bob", ded)
    carol = make_tenant(cloud, "carol", other)
    alices_host = hosts[0]["id"]
    api.run("dedicateHost", hostid=alices_host, domainid=ded, account="alice")
    api.run("dedicateCluster", clusterid=clusters[1], domainid=other, account="carol")
    carols = {h["id"] for h in hosts[2:]}

    for i in range(3):
        for tenant in (alice, bob, carol):
            net = isolated(tenant.client, zone["id"], name=f"{tenant.account_name}{i}")
            tenant.client.run("associateIpAddress", networkid=net["id"])
    # alice's routers go to her dedicated host; bob's and carol's never to alice's host,
    # and bob's never into carol's cluster. carol's prefer her own cluster.
    assert set(_routers_hosts(api, "alice", ded)) == {alices_host}
    bobs = _routers_hosts(api, "bob", ded)
    assert len(bobs) == 3 and set(bobs) == {hosts[1]["id"]}
    assert set(_routers_hosts(api, "carol", other)) <= carols

    # Released, alice's host is shared again: bob's next router may use it.
    api.run("releaseDedicatedHost", hostid=alices_host)
    api.run("releaseDedicatedCluster", clusterid=clusters[1])
    for i in range(4):
        net = isolated(bob.client, zone["id"], name=f"later{i}")
        bob.client.run("associateIpAddress", networkid=net["id"])
    seen = set(_routers_hosts(api, "bob", ded))
    assert seen & (carols | {alices_host})
