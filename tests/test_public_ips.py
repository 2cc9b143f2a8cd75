"""Public IP addresses: associate, disassociate, list, limits, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers_accounts import make_user
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def test_associate_list_and_disassociate(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    ip = api.run("associateIpAddress", zoneid=nz.zone["id"])["ipaddress"]
    assert ip["ipaddress"].startswith("192.168.2.") and ip["state"] == "Allocated"
    assert ip["vlanid"] == nz.public_range["id"] and ip["issourcenat"] is False
    listed = api.call("listPublicIpAddresses", ipaddress=ip["ipaddress"])["publicipaddress"]
    assert [i["id"] for i in listed] == [ip["id"]]
    assert api.call("listPublicIpAddresses", issourcenat=True) == {}
    cap = api.call("listCapacity", zoneid=nz.zone["id"], type=4)["capacity"][0]
    assert (cap["capacityused"], cap["capacitytotal"]) == (1, 99)
    with pytest.raises(ApiError) as err:  # the range has an address in use
        api.call("deleteVlanIpRange", id=nz.public_range["id"])
    assert err.value.status == 536
    api.run(
        "createTags",
        resourceids=ip["id"],
        resourcetype="PublicIpAddress",
        **{"tags[0].key": "role", "tags[0].value": "web"},
    )
    tagged = api.call("listPublicIpAddresses", **{"tags[0].key": "role", "tags[0].value": "web"})
    assert [(i["id"], i["tags"][0]["value"]) for i in tagged["publicipaddress"]] == [
        (ip["id"], "web")
    ]
    api.run("disassociateIpAddress", id=ip["id"])
    assert api.call("listPublicIpAddresses", allocatedonly=True) == {}
    assert api.call("listTags", resourcetype="PublicIpAddress") == {}  # released with the IP
    with pytest.raises(ApiError) as err:
        api.run("disassociateIpAddress", id=ip["id"])
    assert err.value.status == 431


def test_specific_address_and_duplicate(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    ip = api.run("associateIpAddress", zoneid=nz.zone["id"], ipaddress="192.168.2.50")
    assert ip["ipaddress"]["ipaddress"] == "192.168.2.50"
    for wanted in ("192.168.2.50", "10.0.0.1"):
        with pytest.raises(ApiError) as err:
            api.call("associateIpAddress", zoneid=nz.zone["id"], ipaddress=wanted)
        assert err.value.status == 431
        assert wanted in err.value.body["errortext"]


def test_concurrent_associations_never_share_an_address(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0, public=("192.168.2.2", "192.168.2.40"))

    def grab(_: int) -> str:
        return api.run("associateIpAddress", zoneid=nz.zone["id"])["ipaddress"]["ipaddress"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        addresses = list(pool.map(grab, range(30)))
    assert len(set(addresses)) == 30
    listed = api.call("listPublicIpAddresses", page=1, pagesize=100)
    assert listed["count"] == 30


def test_exhausted_range_is_533_and_leaves_nothing(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0, public=("192.168.2.2", "192.168.2.4"))
    for _ in range(3):
        api.run("associateIpAddress", zoneid=nz.zone["id"])
    before = api.call("listResourceLimits", resourcetype=1)
    with pytest.raises(ApiError) as err:
        api.call("associateIpAddress", zoneid=nz.zone["id"])
    assert err.value.status == 533
    assert "no free public IP address" in err.value.body["errortext"]
    assert api.call("listPublicIpAddresses")["count"] == 3
    assert api.call("listResourceLimits", resourcetype=1) == before


def test_no_public_range_is_534(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    api.call("deleteVlanIpRange", id=nz.public_range["id"])
    with pytest.raises(ApiError) as err:
        api.call("associateIpAddress", zoneid=nz.zone["id"])
    assert err.value.status == 534 and "createVlanIpRange" in err.value.body["errortext"]


def test_public_ip_limit_is_532(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    bob = make_user(cloud, "bob")
    api.call("updateResourceLimit", account="bob", domainid=_root(api), resourcetype=1, max=2)
    for _ in range(2):
        bob.client.run("associateIpAddress", zoneid=nz.zone["id"])
    with pytest.raises(ApiError) as err:
        bob.client.call("associateIpAddress", zoneid=nz.zone["id"])
    assert err.value.status == 532
    assert bob.client.call("listPublicIpAddresses")["count"] == 2


def test_users_cannot_touch_each_others_addresses(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api, hosts=0)
    alice, bob = make_user(cloud, "alice"), make_user(cloud, "bob")
    ip = alice.client.run("associateIpAddress", zoneid=nz.zone["id"])["ipaddress"]
    assert bob.client.call("listPublicIpAddresses", listall=True) == {}
    with pytest.raises(ApiError) as err:
        bob.client.call("disassociateIpAddress", id=ip["id"])
    assert err.value.status == 531
    net = isolated(alice.client, nz.zone["id"])
    with pytest.raises(ApiError) as err:
        bob.client.call("associateIpAddress", networkid=net["id"])
    assert err.value.status == 531
    assert api.call("listPublicIpAddresses", listall=True)["count"] == 1


def test_ip_for_a_network_implements_it_with_source_nat(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    assert net["state"] == "Allocated" and "vlan" not in net
    ip = api.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    assert ip["associatednetworkid"] == net["id"] and ip["issourcenat"] is False
    listed = api.call("listPublicIpAddresses", associatednetworkid=net["id"])["publicipaddress"]
    assert len(listed) == 2
    snat = [i for i in listed if i["issourcenat"]]
    assert len(snat) == 1
    with pytest.raises(ApiError) as err:
        api.call("disassociateIpAddress", id=snat[0]["id"])
    assert err.value.status == 431 and "source NAT" in err.value.body["errortext"]
    net = api.call("listNetworks", id=net["id"])["network"][0]
    assert net["state"] == "Implemented" and 100 <= int(net["vlan"]) <= 199


def _root(api) -> str:  # type: ignore[no-untyped-def]
    return api.call("listDomains", name="ROOT")["domain"][0]["id"]  # type: ignore[no-any-return]
