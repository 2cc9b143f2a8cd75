"""Guest networks: create (isolated, shared, L2), list, update, delete, implement."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers_accounts import make_user
from tests.network_helpers import advanced_zone, isolated, offering
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def test_isolated_network_defaults_to_the_zone_guest_cidr(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    net = isolated(api, nz.zone["id"])
    assert (net["cidr"], net["gateway"], net["netmask"]) == (
        "10.1.1.0/24",
        "10.1.1.1",
        "255.255.255.0",
    )
    assert net["type"] == "Isolated" and net["acltype"] == "Account"
    assert net["physicalnetworkid"] == nz.pnet["id"] and net["account"] == "admin"
    services = {s["name"] for s in net["service"]}
    assert {"SourceNat", "Dhcp", "Firewall", "PortForwarding"} <= services
    custom = isolated(api, nz.zone["id"], name="custom", gateway="10.9.0.1", netmask="255.255.0.0")
    assert custom["cidr"] == "10.9.0.0/16"
    listed = api.call("listNetworks", zoneid=nz.zone["id"], type="Isolated")
    assert listed["count"] == 2
    assert api.call("listNetworks", supportedservices="SecurityGroup") == {}
    assert api.call("listNetworks", supportedservices="SourceNat")["count"] == 2


def test_shared_network_needs_vlan_and_range_and_is_seen_by_the_domain(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    off = offering(api, "DefaultSharedNetworkOffering")
    base = {
        "name": "shared",
        "displaytext": "shared",
        "zoneid": nz.zone["id"],
        "networkofferingid": off["id"],
        "gateway": "10.50.0.1",
        "netmask": "255.255.255.0",
        "startip": "10.50.0.10",
        "endip": "10.50.0.99",
    }
    with pytest.raises(ApiError) as err:
        api.call("createNetwork", **base)
    assert err.value.status == 431 and "vlan" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.call("createNetwork", **{**base, "vlan": "300", "endip": "10.60.0.9"})
    assert err.value.status == 431
    net = api.call("createNetwork", **{**base, "vlan": "300", "acltype": "Domain"})["network"]
    assert (net["type"], net["vlan"], net["acltype"]) == ("Shared", "300", "Domain")
    alice = make_user(cloud, "alice")
    seen = alice.client.call("listNetworks")["network"]
    assert [n["id"] for n in seen] == [net["id"]]
    with pytest.raises(ApiError) as err:
        alice.client.call("createNetwork", **{**base, "vlan": "301"})
    assert err.value.status == 531


def test_l2_network(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    off = offering(api, "DefaultL2NetworkOffering")
    net = api.call(
        "createNetwork",
        name="l2",
        displaytext="l2",
        zoneid=nz.zone["id"],
        networkofferingid=off["id"],
    )["network"]
    assert net["type"] == "L2" and "cidr" not in net and net.get("service", []) == []
    assert api.call("listNetworks", type="L2")["count"] == 1


def test_update_and_delete(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    updated = api.run("updateNetwork", id=net["id"], name="renamed", displaytext="new")
    assert updated["network"]["name"] == "renamed"
    api.run("associateIpAddress", networkid=net["id"])  # implements: VLAN + source NAT
    assert api.call("listPublicIpAddresses")["count"] == 2
    api.run("restartNetwork", id=net["id"])
    api.run("deleteNetwork", id=net["id"])
    assert api.call("listNetworks") == {}
    assert api.call("listPublicIpAddresses") == {}
    cap = api.call("listCapacity", zoneid=nz.zone["id"], type=7)["capacity"][0]
    assert cap["capacityused"] == 0
    with pytest.raises(ApiError) as err:
        api.call("deleteNetwork", id=net["id"])
    assert err.value.status == 431


def test_delete_refused_while_vms_have_nics(cloud: Cloud) -> None:
    from sqlalchemy import select

    from cumulo.db.models.network import Network
    from cumulo.services.nics import allocate_nic

    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    net = isolated(api, nz.zone["id"])

    def attach(session):  # type: ignore[no-untyped-def]
        row = session.execute(select(Network).where(Network.uuid == net["id"])).scalar_one()
        return allocate_nic(session, row, 999).id

    cloud.rt.db.run(attach)
    with pytest.raises(ApiError) as err:
        api.call("deleteNetwork", id=net["id"])
    assert err.value.status == 536
    assert api.call("listNetworks", id=net["id"])["count"] == 1


def test_concurrent_implementations_get_distinct_vlans(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, vlans="100-119")
    nets = [isolated(api, nz.zone["id"], name=f"n{i}") for i in range(21)]

    def implement(net: dict) -> str:  # type: ignore[type-arg]
        api.run("associateIpAddress", networkid=net["id"])
        return api.call("listNetworks", id=net["id"])["network"][0]["vlan"]  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=10) as pool:
        vlans = list(pool.map(implement, nets[:20]))
    assert len(set(vlans)) == 20 and all(100 <= int(v) <= 119 for v in vlans)
    ips = [
        i["ipaddress"]
        for i in api.call("listPublicIpAddresses", page=1, pagesize=100)["publicipaddress"]
    ]
    assert len(ips) == 40 == len(set(ips))
    # Every VLAN taken: the 21st fails cleanly and stays Allocated with no address held.
    with pytest.raises(ApiError) as err:
        api.call("associateIpAddress", networkid=nets[20]["id"])
    assert err.value.status == 533 and "guest VLAN" in err.value.body["errortext"]
    last = api.call("listNetworks", id=nets[20]["id"])["network"][0]
    assert last["state"] == "Allocated" and "vlan" not in last
    assert api.call("listPublicIpAddresses", page=1, pagesize=100)["count"] == 40


def test_network_limit_and_visibility(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    alice, bob = make_user(cloud, "alice"), make_user(cloud, "bob")
    root = api.call("listDomains", name="ROOT")["domain"][0]["id"]
    api.call("updateResourceLimit", account="alice", domainid=root, resourcetype=6, max=1)
    net = isolated(alice.client, nz.zone["id"])
    with pytest.raises(ApiError) as err:
        isolated(alice.client, nz.zone["id"], name="second")
    assert err.value.status == 532
    assert bob.client.call("listNetworks", listall=True) == {}
    for command in ("deleteNetwork", "restartNetwork", "updateNetwork"):
        with pytest.raises(ApiError) as err:
            bob.client.call(command, id=net["id"])
        assert err.value.status == 531, command
    assert api.call("listNetworks", listall=True)["count"] == 1
    assert api.call("listNetworks") == {}  # not the admin's own


def test_shared_vlan_is_unique_in_the_physical_network(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    off = offering(api, "DefaultSharedNetworkOffering")
    base = {
        "displaytext": "s",
        "zoneid": nz.zone["id"],
        "networkofferingid": off["id"],
        "gateway": "10.50.0.1",
        "netmask": "255.255.255.0",
        "startip": "10.50.0.10",
        "endip": "10.50.0.99",
        "vlan": "300",
    }
    first = api.call("createNetwork", name="s1", **base)["network"]
    with pytest.raises(ApiError) as err:
        api.call("createNetwork", name="s2", **base)
    assert err.value.status == 431 and "VLAN 300" in err.value.body["errortext"]
    api.run("deleteNetwork", id=first["id"])
    assert api.call("createNetwork", name="s3", **base)["network"]["vlan"] == "300"
