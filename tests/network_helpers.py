"""An Advanced simulator zone ready for guest networks, built through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.infra_helpers import add_host, make_cluster, make_pod, wait_hosts_up
from tests.support.client import ApiClient


@dataclass
class NetZone:
    zone: dict[str, Any]
    pnet: dict[str, Any]
    public_range: dict[str, Any]


def offering(api: ApiClient, name: str) -> dict[str, Any]:
    found = api.call("listNetworkOfferings", name=name)["networkoffering"]
    return next(o for o in found if o["name"] == name)


def advanced_zone(
    api: ApiClient,
    *,
    vlans: str = "100-199",
    public: tuple[str, str] = ("192.168.2.2", "192.168.2.100"),
    hosts: int = 1,
) -> NetZone:
    zone = api.call(
        "createZone",
        name="z1",
        networktype="Advanced",
        guestcidraddress="10.1.1.0/24",
        dns1="10.147.28.6",
        internaldns1="10.147.28.6",
    )["zone"]
    pnet = api.run(
        "createPhysicalNetwork", zoneid=zone["id"], name="pnet", isolationmethods="VLAN"
    )["physicalnetwork"]
    for traffic in ("Guest", "Management", "Public"):
        api.run("addTrafficType", physicalnetworkid=pnet["id"], traffictype=traffic)
    nsp = api.call(
        "listNetworkServiceProviders", name="VirtualRouter", physicalnetworkid=pnet["id"]
    )["networkserviceprovider"][0]
    element = api.call("listVirtualRouterElements", nspid=nsp["id"])["virtualrouterelement"][0]
    api.run("configureVirtualRouterElement", id=element["id"], enabled=True)
    api.run("updateNetworkServiceProvider", id=nsp["id"], state="Enabled")
    api.run("updatePhysicalNetwork", id=pnet["id"], state="Enabled", vlan=vlans)
    rng = api.call(
        "createVlanIpRange",
        zoneid=zone["id"],
        vlan="50",
        gateway="192.168.2.1",
        netmask="255.255.255.0",
        startip=public[0],
        endip=public[1],
        forvirtualnetwork=True,
    )["vlan"]
    if hosts:
        pod = make_pod(api, zone["id"])
        cluster = make_cluster(api, zone["id"], pod["id"])
        for h in range(hosts):
            add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c0/h{h}")
        wait_hosts_up(api, hosts, clusterid=cluster["id"])
    api.call("updateZone", id=zone["id"], allocationstate="Enabled")
    return NetZone(zone, pnet, rng)


def isolated(api: ApiClient, zone_id: str, name: str = "net1", **extra: Any) -> dict[str, Any]:
    off = offering(api, "DefaultIsolatedNetworkOfferingWithSourceNatService")
    return api.call(  # type: ignore[no-any-return]
        "createNetwork",
        name=name,
        displaytext=name,
        zoneid=zone_id,
        networkofferingid=off["id"],
        **extra,
    )["network"]
