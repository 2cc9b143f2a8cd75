"""Network and VPC offerings: CloudStack's defaults, create/update/delete, filters."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)

DEFAULT_NAMES = {
    "DefaultSharedNetworkOfferingWithSGService",
    "DefaultSharedNetworkOffering",
    "DefaultIsolatedNetworkOfferingWithSourceNatService",
    "DefaultIsolatedNetworkOffering",
    "DefaultSharedNetscalerEIPandELBNetworkOffering",
    "DefaultIsolatedNetworkOfferingForVpcNetworks",
    "DefaultIsolatedNetworkOfferingForVpcNetworksNoLB",
    "DefaultIsolatedNetworkOfferingForVpcNetworksWithInternalLB",
    "DefaultL2NetworkOffering",
}


def _list(client, **kw) -> list[dict]:  # type: ignore[no-untyped-def]
    return client.call("listNetworkOfferings", **kw).get("networkoffering", [])  # type: ignore


def _services(offering: dict) -> dict[str, list[str]]:
    return {s["name"]: [p["name"] for p in s["provider"]] for s in offering["service"]}


def test_defaults(cloud: Cloud) -> None:
    offerings = {o["name"]: o for o in _list(cloud.admin)}
    assert set(offerings) >= DEFAULT_NAMES
    snat = offerings["DefaultIsolatedNetworkOfferingWithSourceNatService"]
    assert snat["guestiptype"] == "Isolated" and snat["availability"] == "Required"
    assert snat["isdefault"] is True and snat["state"] == "Enabled"
    assert snat["traffictype"] == "Guest"
    services = _services(snat)
    assert set(services) == {
        "Vpn",
        "Dhcp",
        "Dns",
        "SourceNat",
        "PortForwarding",
        "Lb",
        "UserData",
        "StaticNat",
        "Firewall",
        "Gateway",
    }
    assert services["SourceNat"] == ["VirtualRouter"]
    snat_caps = next(s for s in snat["service"] if s["name"] == "SourceNat")["capability"]
    assert {
        "name": "SupportedSourceNatTypes",
        "value": "peraccount",
        "canchooseservicecapability": False,
    } in snat_caps
    sg = offerings["DefaultSharedNetworkOfferingWithSGService"]
    assert _services(sg)["SecurityGroup"] == ["SecurityGroupProvider"]
    assert sg["specifyvlan"] is True and sg["specifyipranges"] is True
    vpc = offerings["DefaultIsolatedNetworkOfferingForVpcNetworks"]
    assert vpc["forvpc"] is True and _services(vpc)["NetworkACL"] == ["VpcVirtualRouter"]
    assert "Lb" not in _services(offerings["DefaultIsolatedNetworkOfferingForVpcNetworksNoLB"])
    assert offerings["DefaultL2NetworkOffering"]["service"] == []


def test_filters(cloud: Cloud) -> None:
    shared = {o["name"] for o in _list(cloud.admin, guestiptype="shared")}
    assert "DefaultSharedNetworkOffering" in shared
    assert "DefaultIsolatedNetworkOffering" not in shared
    with_lb_snat = {o["name"] for o in _list(cloud.admin, supportedservices="SourceNat,Lb")}
    assert "DefaultIsolatedNetworkOfferingWithSourceNatService" in with_lb_snat
    assert "DefaultIsolatedNetworkOfferingForVpcNetworksNoLB" not in with_lb_snat
    forvpc = _list(cloud.admin, forvpc=True)
    assert forvpc and all(o["forvpc"] for o in forvpc)
    no_snat = _list(cloud.admin, sourcenatsupported=False)
    assert all("SourceNat" not in _services(o) for o in no_snat)
    vlan = _list(cloud.admin, specifyvlan=True, guestiptype="L2")
    assert {o["name"] for o in vlan} >= {"DefaultL2NetworkOfferingVlan"}
    assert "DefaultL2NetworkOffering" not in {o["name"] for o in vlan}
    user = make_tenant(cloud, "net-user").client
    assert len(_list(user, isdefault=True)) == len(_list(cloud.admin, isdefault=True))
    with pytest.raises(ApiError) as err:
        _list(cloud.admin, zoneid="8e5bd5d4-0000-4000-8000-000000000000")
    assert err.value.status == 431


def test_create_with_providers_and_capabilities(cloud: Cloud) -> None:
    offering = cloud.admin.call(
        "createNetworkOffering",
        name="my-isolated",
        displaytext="Isolated with redundant router",
        guestiptype="isolated",
        traffictype="GUEST",
        supportedservices="Dhcp,Dns,SourceNat,Firewall,UserData",
        **{
            "serviceproviderlist[0].service": "Dhcp",
            "serviceproviderlist[0].provider": "VirtualRouter",
            "serviceproviderlist[1].service": "UserData",
            "serviceproviderlist[1].provider": "ConfigDrive",
            "servicecapabilitylist[0].service": "SourceNat",
            "servicecapabilitylist[0].capabilitytype": "RedundantRouter",
            "servicecapabilitylist[0].capabilityvalue": "true",
        },
        egressdefaultpolicy=False,
        availability="Optional",
        tags="fast-net",
        conservemode=False,
    )["networkoffering"]
    assert offering["guestiptype"] == "Isolated" and offering["state"] == "Disabled"
    assert offering["egressdefaultpolicy"] is False and offering["conservemode"] is False
    services = _services(offering)
    assert services == {
        "Dhcp": ["VirtualRouter"],
        "Dns": ["VirtualRouter"],
        "SourceNat": ["VirtualRouter"],
        "UserData": ["ConfigDrive"],
        "Firewall": ["VirtualRouter"],
    }
    assert [s["name"] for s in offering["service"]] == [
        "Dhcp",
        "Dns",
        "SourceNat",
        "UserData",
        "Firewall",
    ]
    caps = next(s for s in offering["service"] if s["name"] == "SourceNat")["capability"]
    assert caps[0]["name"] == "RedundantRouter" and caps[0]["value"] == "true"
    assert [o["name"] for o in _list(cloud.admin, tags="fast-net")] == ["my-isolated"]
    assert _list(cloud.admin, state="Enabled", name="my-isolated") == []
    router, small = (
        cloud.admin.call("listServiceOfferings", issystem=flag, name=name)["serviceoffering"][0]
        for flag, name in ((True, "System Offering For Software Router"), (False, "Small Instance"))
    )
    with_router = cloud.admin.call(
        "createNetworkOffering",
        name="routed",
        guestiptype="Isolated",
        traffictype="GUEST",
        supportedservices="Dhcp",
        serviceofferingid=router["id"],
    )["networkoffering"]
    assert with_router["serviceofferingid"] == router["id"]
    with pytest.raises(ApiError) as err:
        cloud.admin.call(
            "createNetworkOffering",
            name="bad-router",
            guestiptype="Isolated",
            traffictype="GUEST",
            serviceofferingid=small["id"],
        )
    assert err.value.status == 431 and "domainrouter" in err.value.body["errortext"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"guestiptype": "Bridged"}, "guestiptype"),
        ({"traffictype": "Public"}, "GUEST"),
        ({"supportedservices": "Dhcp,Teleport"}, "service"),
        (
            {
                "supportedservices": "Dhcp",
                "serviceproviderlist[0].service": "Dns",
                "serviceproviderlist[0].provider": "VirtualRouter",
            },
            "not in supportedservices",
        ),
        (
            {
                "supportedservices": "Dhcp",
                "serviceproviderlist[0].service": "Dhcp",
                "serviceproviderlist[0].provider": "Magic",
            },
            "provider",
        ),
        (
            {
                "supportedservices": "SourceNat",
                "servicecapabilitylist[0].service": "SourceNat",
                "servicecapabilitylist[0].capabilitytype": "Colour",
                "servicecapabilitylist[0].capabilityvalue": "red",
            },
            "not supported",
        ),
        ({"guestiptype": "Shared", "supportedservices": "SourceNat"}, "SourceNat"),
        ({"guestiptype": "L2", "supportedservices": "Dhcp"}, "L2"),
        ({"guestiptype": "Shared", "forvpc": True}, "forvpc"),
        ({"supportedservices": "Dhcp", "availability": "Required"}, "Required"),
    ],
)
def test_bad_input_is_431(cloud: Cloud, params: dict, fragment: str) -> None:
    base = {"name": "bad-net", "guestiptype": "Isolated", "traffictype": "Guest"}
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createNetworkOffering", **{**base, **params})
    assert err.value.status == 431
    assert fragment in err.value.body["errortext"]
    assert _list(cloud.admin, name="bad-net") == []


def test_update_and_delete(cloud: Cloud) -> None:
    nid = cloud.admin.call(
        "createNetworkOffering",
        name="lifecycle",
        guestiptype="Shared",
        traffictype="GUEST",
        supportedservices="Dhcp,Dns",
        specifyvlan=True,
        specifyipranges=True,
    )["networkoffering"]["id"]
    enabled = cloud.admin.call(
        "updateNetworkOffering", id=nid, state="enabled", displaytext="Now on"
    )["networkoffering"]
    assert enabled["state"] == "Enabled" and enabled["displaytext"] == "Now on"
    by_name = cloud.admin.call("updateNetworkOffering", name="lifecycle", state="Disabled")
    assert by_name["networkoffering"]["state"] == "Disabled"
    with pytest.raises(ApiError) as err:
        cloud.admin.call("updateNetworkOffering", id=nid, availability="Required")
    assert err.value.status == 431
    assert cloud.admin.call("deleteNetworkOffering", id=nid)["success"] is True
    assert _list(cloud.admin, id=nid) == []
    default = _list(cloud.admin, name="DefaultSharedNetworkOffering")[0]
    with pytest.raises(ApiError) as err:
        cloud.admin.call("deleteNetworkOffering", id=default["id"])
    assert err.value.status == 431


def test_vpc_offerings(cloud: Cloud) -> None:
    body = cloud.admin.call("listVPCOfferings")
    defaults = {o["name"]: o for o in body["vpcoffering"]}
    assert "Default VPC offering" in defaults and "Redundant VPC offering" in defaults
    default = defaults["Default VPC offering"]
    assert default["isdefault"] is True and default["state"] == "Enabled"
    assert {"SourceNat", "NetworkACL", "Lb"} <= {s["name"] for s in default["service"]}
    created = cloud.admin.run(
        "createVPCOffering",
        name="my-vpc",
        supportedservices="Dhcp,Dns,SourceNat,Gateway,NetworkACL,StaticNat",
        enable=True,
    )["vpcoffering"]
    assert created["state"] == "Enabled"
    assert {p["name"] for s in created["service"] for p in s["provider"]} == {"VpcVirtualRouter"}
    assert (
        cloud.admin.call("listVPCOfferings", supportedservices="StaticNat", name="my-vpc")["count"]
        == 1
    )
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createVPCOffering", name="no-gw", supportedservices="Dhcp,SourceNat")
    assert err.value.status == 431 and "Gateway" in err.value.body["errortext"]
    renamed = cloud.admin.run(
        "updateVPCOffering", id=created["id"], name="my-vpc2", state="Disabled"
    )["vpcoffering"]
    assert renamed["name"] == "my-vpc2" and renamed["state"] == "Disabled"
    cloud.admin.run("deleteVPCOffering", id=created["id"])
    assert cloud.admin.call("listVPCOfferings", id=created["id"]) == {}
    with pytest.raises(ApiError) as err:
        cloud.admin.call("deleteVPCOffering", id=default["id"])
    assert err.value.status == 431
