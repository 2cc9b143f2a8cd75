"""Marvin's deployment order (deployDataCenter.py) over the API, idempotently.

Each object is looked up by name (ranges by start address, stores by URL,
hosts by URL through the server's duplicate check) before it is created, so
running the same file again completes a half-built zone instead of
duplicating it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cumulo.tools.zone_deploy.client import ApiFailure, CloudStackClient
from cumulo.tools.zone_deploy.spec import Spec

Obj = dict[str, Any]


VR_PROVIDERS = ("VirtualRouter", "VpcVirtualRouter")
BASIC_OFFERING = "DefaultSharedNetworkOfferingWithSGService"


def _named(name: str) -> Callable[[Obj], bool]:
    """A match on ``name`` bound now (safe to build inside a loop)."""
    return lambda o: o["name"] == name


class DeployError(Exception):
    """A step failed; the message names the object and the command."""


class Deployer:
    def __init__(
        self,
        api: CloudStackClient,
        log: Callable[[str], None] = lambda _m: None,
        host_timeout: float = 120.0,
    ) -> None:
        self.api = api
        self.log = log
        self.host_timeout = host_timeout
        self.created = 0
        self.reused = 0
        self.where = ""

    # -- plumbing -------------------------------------------------------------------
    def _call(self, command: str, **params: Any) -> Obj:
        try:
            return self.api.call(command, **params)
        except ApiFailure as err:
            raise DeployError(f"{self.where}: {err}") from None

    def _items(self, command: str, key: str, **params: Any) -> list[Obj]:
        try:
            return self.api.items(command, key, **params)
        except ApiFailure as err:
            raise DeployError(f"{self.where}: {err}") from None

    def _find(
        self, command: str, key: str, match: Callable[[Obj], bool], **params: Any
    ) -> Obj | None:
        return next((o for o in self._items(command, key, **params) if match(o)), None)

    def _made(self, kind: str, name: str, existing: Obj | None) -> None:
        if existing is None:
            self.created += 1
            self.log(f"created {kind} {name}")
        else:
            self.reused += 1
            self.log(f"exists  {kind} {name}")

    # -- the order of §7 --------------------------------------------------------------
    def deploy(self, spec: Spec) -> None:
        self.where = "globalConfig"
        for item in spec.get("globalConfig") or []:
            self._call("updateConfiguration", name=item["name"], value=str(item.get("value", "")))
            self.log(f"set     {item['name']} = {item.get('value', '')}")
        for zone_spec in spec["zones"]:
            self.deploy_zone(zone_spec)

    def deploy_zone(self, zs: Obj) -> Obj:
        self.where = f"zone {zs['name']!r}"
        zone = self._zone(zs)
        advanced = str(zs["networktype"]).lower() == "advanced"
        for net_spec in zs.get("physical_networks") or []:
            self._physical_network(zone, net_spec)
        sg = str(zs.get("securitygroupenabled", "false")).lower() == "true"
        if not advanced or sg:
            self._shared_guest_network(zone, zs)
        for pod_spec in zs.get("pods") or []:
            self._pod(zone, pod_spec, advanced)
        self.where = f"zone {zs['name']!r}"
        if advanced and not sg:
            for rng in zs.get("ipranges") or []:
                self._public_range(zone, rng)
        for store in zs.get("cacheStorages") or []:
            self._store(zone, store, "createSecondaryStagingStore", "listSecondaryStagingStores")
        for store in zs.get("secondaryStorages") or []:
            self._store(zone, store, "addImageStore", "listImageStores")
        for pool in zs.get("primaryStorages") or []:
            self._zone_pool(zone, pool)
        if zone.get("allocationstate") != "Enabled":
            zone = self._call("updateZone", id=zone["id"], allocationstate="Enabled")["zone"]
            self.log(f"enabled zone {zs['name']}")
        return zone

    def _zone(self, zs: Obj) -> Obj:
        zone = existing = self._find("listZones", "zone", lambda z: z["name"] == zs["name"])
        if zone is None:
            params = {
                k: zs[k]
                for k in (
                    "dns1",
                    "dns2",
                    "internaldns1",
                    "internaldns2",
                    "domain",
                    "guestcidraddress",
                )
                if zs.get(k)
            }
            if str(zs.get("securitygroupenabled", "")).lower() == "true":
                params["securitygroupenabled"] = True
            zone = self._call(
                "createZone", name=zs["name"], networktype=zs["networktype"], **params
            )["zone"]
        self._made("zone", zs["name"], existing)
        return zone

    def _physical_network(self, zone: Obj, ns: Obj) -> None:
        self.where = f"zone {zone['name']!r} / physical network {ns['name']!r}"
        net = self._find(
            "listPhysicalNetworks",
            "physicalnetwork",
            lambda n: n["name"] == ns["name"],
            zoneid=zone["id"],
        )
        existing = net
        if net is None:
            methods = ns.get("isolationmethods") or []
            net = self._call(
                "createPhysicalNetwork",
                zoneid=zone["id"],
                name=ns["name"],
                isolationmethods=",".join(methods) or None,
                broadcastdomainrange=ns.get("broadcastdomainrange"),
            )["physicalnetwork"]
        self._made("physical network", ns["name"], existing)
        have = {
            t["traffictype"]
            for t in self._items("listTrafficTypes", "traffictype", physicalnetworkid=net["id"])
        }
        for traffic in ns.get("traffictypes") or []:
            if traffic["typ"] not in have:
                self._call(
                    "addTrafficType", physicalnetworkid=net["id"], traffictype=traffic["typ"]
                )
                self.log(f"added   traffic type {traffic['typ']}")
        for provider in ns.get("providers") or []:
            self._provider(net, provider["name"])
        if net.get("state") != "Enabled" or (ns.get("vlan") and net.get("vlan") != ns["vlan"]):
            self._call("updatePhysicalNetwork", id=net["id"], state="Enabled", vlan=ns.get("vlan"))
            self.log(f"enabled physical network {ns['name']}")

    def _provider(self, net: Obj, name: str) -> None:
        found = self._items(
            "listNetworkServiceProviders",
            "networkserviceprovider",
            name=name,
            physicalnetworkid=net["id"],
        )
        if not found:
            nsp = self._call("addNetworkServiceProvider", name=name, physicalnetworkid=net["id"])
            nsp = nsp.get("networkserviceprovider", nsp)
        else:
            nsp = found[0]
        if nsp.get("state") == "Enabled":
            return
        if name in VR_PROVIDERS:
            for element in self._items(
                "listVirtualRouterElements", "virtualrouterelement", nspid=nsp["id"]
            ):
                if not element.get("enabled"):
                    self._call("configureVirtualRouterElement", id=element["id"], enabled=True)
        self._call("updateNetworkServiceProvider", id=nsp["id"], state="Enabled")
        self.log(f"enabled provider {name}")

    def _shared_guest_network(self, zone: Obj, zs: Obj) -> None:
        """Basic zones (and Advanced with SG) get a shared guest network before any pod."""
        if not self._has_command("createNetwork"):
            self.log("skipped shared guest network (createNetwork not available on this server)")
            return
        name = zs.get("guestnetworkname") or f"{zone['name']}-guest"
        if self._find("listNetworks", "network", lambda n: n["name"] == name, zoneid=zone["id"]):
            return
        offering = self._find(
            "listNetworkOfferings", "networkoffering", lambda o: o["name"] == BASIC_OFFERING
        )
        if offering is None:
            raise DeployError(f"{self.where}: network offering {BASIC_OFFERING} not found")
        self._call(
            "createNetwork",
            zoneid=zone["id"],
            name=name,
            displaytext=name,
            networkofferingid=offering["id"],
        )
        self._made("network", name, None)

    def _has_command(self, name: str) -> bool:
        try:
            return bool(self.api.request("listApis", name=name).get("api"))
        except ApiFailure:  # listApis refuses a name it does not know
            return False

    def _pod(self, zone: Obj, ps: Obj, advanced: bool) -> None:
        self.where = f"zone {zone['name']!r} / pod {ps['name']!r}"
        pod = self._find("listPods", "pod", lambda p: p["name"] == ps["name"], zoneid=zone["id"])
        existing = pod
        if pod is None:
            pod = self._call(
                "createPod",
                zoneid=zone["id"],
                name=ps["name"],
                gateway=ps["gateway"],
                netmask=ps["netmask"],
                startip=ps["startip"],
                endip=ps.get("endip"),
            )["pod"]
        self._made("pod", ps["name"], existing)
        if not advanced:
            for rng in ps.get("guestIpRanges") or []:
                self._range(zone, rng, podid=pod["id"], forvirtualnetwork=False)
        for cs in ps.get("clusters") or []:
            self._cluster(zone, pod, cs)

    def _cluster(self, zone: Obj, pod: Obj, cs: Obj) -> None:
        name = cs["clustername"]
        self.where = f"zone {zone['name']!r} / pod {pod['name']!r} / cluster {name!r}"
        cluster = self._find(
            "listClusters", "cluster", lambda c: c["name"] == name, podid=pod["id"]
        )
        existing = cluster
        if cluster is None:
            cluster = self._call(
                "addCluster",
                zoneid=zone["id"],
                podid=pod["id"],
                clustername=name,
                clustertype=cs.get("clustertype", "CloudManaged"),
                hypervisor=cs["hypervisor"],
            )["cluster"][0]
        self._made("cluster", name, existing)
        for host in cs.get("hosts") or []:
            self._host(zone, pod, cluster, cs, host)
        self._wait_hosts(cluster, len(cs.get("hosts") or []))
        for ss in cs.get("primaryStorages") or []:
            pool = self._find(
                "listStoragePools",
                "storagepool",
                _named(ss["name"]),
                clusterid=cluster["id"],
            )
            if pool is None:
                self._call(
                    "createStoragePool",
                    zoneid=zone["id"],
                    podid=pod["id"],
                    clusterid=cluster["id"],
                    name=ss["name"],
                    url=ss["url"],
                    scope=ss.get("scope", "cluster"),
                    tags=ss.get("tags"),
                )
            self._made("primary storage", ss["name"], pool)

    def _host(self, zone: Obj, pod: Obj, cluster: Obj, cs: Obj, hs: Obj) -> None:
        try:
            self.api.call(
                "addHost",
                zoneid=zone["id"],
                podid=pod["id"],
                clusterid=cluster["id"],
                url=hs["url"],
                hypervisor=cs["hypervisor"],
                username=hs.get("username"),
                password=hs.get("password"),
                hosttags=hs.get("hosttags"),
            )
        except ApiFailure as err:
            # The server refuses a second host with the same URL in a cluster:
            # that is how a re-run recognises a host it added before.
            if err.code == 431 and "already in cluster" in err.text:
                self._made("host", hs["url"], {})
                return
            raise DeployError(f"{self.where} / host {hs['url']!r}: {err}") from None
        self._made("host", hs["url"], None)

    def _wait_hosts(self, cluster: Obj, count: int) -> None:
        deadline = time.monotonic() + self.host_timeout
        hosts: list[Obj] = []
        while time.monotonic() < deadline:
            hosts = self._items("listHosts", "host", clusterid=cluster["id"], type="Routing")
            if len(hosts) >= count and all(h["state"] == "Up" for h in hosts):
                return
            time.sleep(0.2)
        states = ", ".join(f"{h['name']}={h['state']}" for h in hosts)
        raise DeployError(
            f"{self.where}: listHosts: hosts not Up after {self.host_timeout:.0f}s ({states})"
        )

    def _range(self, zone: Obj, rng: Obj, **params: Any) -> None:
        scope = {"podid": params["podid"]} if "podid" in params else {"zoneid": zone["id"]}
        found = self._find(
            "listVlanIpRanges", "vlaniprange", lambda r: r["startip"] == rng["startip"], **scope
        )
        if found is None:
            self._call(
                "createVlanIpRange",
                zoneid=zone["id"],
                gateway=rng["gateway"],
                netmask=rng["netmask"],
                startip=rng["startip"],
                endip=rng.get("endip"),
                vlan=rng.get("vlan"),
                **params,
            )
        self._made("ip range", f"{rng['startip']}-{rng.get('endip', '')}", found)

    def _public_range(self, zone: Obj, rng: Obj) -> None:
        self._range(zone, rng, forvirtualnetwork=True)

    def _store(self, zone: Obj, ss: Obj, create: str, listing: str) -> None:
        key = "imagestore" if create == "addImageStore" else "secondarystagingstore"
        found = self._find(listing, key, lambda s: s.get("url") == ss["url"], zoneid=zone["id"])
        if found is None:
            extra = {"name": ss.get("name")} if create == "addImageStore" else {}
            self._call(
                create,
                zoneid=zone["id"],
                url=ss["url"],
                provider=ss.get("provider", "NFS"),
                **extra,
            )
        self._made(
            "secondary storage" if key == "imagestore" else "cache storage", ss["url"], found
        )

    def _zone_pool(self, zone: Obj, ss: Obj) -> None:
        pool = self._find(
            "listStoragePools", "storagepool", lambda p: p["name"] == ss["name"], zoneid=zone["id"]
        )
        if pool is None:
            self._call(
                "createStoragePool",
                zoneid=zone["id"],
                name=ss["name"],
                url=ss["url"],
                scope="zone",
                hypervisor=ss.get("hypervisor", "Simulator"),
                tags=ss.get("tags"),
            )
        self._made("primary storage", ss["name"], pool)
