"""Zone definition files: CloudStack's `.cfg` JSON layout or cumulo's TOML.

Both end up as the `.cfg` layout Marvin reads (``zones[]`` with
``physical_networks``, ``pods[].clusters[]``, ``ipranges``,
``secondaryStorages`` …, plus ``globalConfig``), which the deployer walks.
Required fields are checked up front so that a broken file fails before the
first API call, with the path of the offending entry.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

Spec = dict[str, Any]


class SpecError(Exception):
    """The definition file is unreadable or lacks something the deployment needs."""


def load_spec(path: str | Path) -> Spec:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as err:
        raise SpecError(f"cannot read {p}: {err.strerror}") from None
    if p.suffix == ".toml":
        try:
            spec = from_toml(tomllib.loads(text))
        except tomllib.TOMLDecodeError as err:
            raise SpecError(f"{p}: not valid TOML: {err}") from None
    else:
        try:
            spec = json.loads(text)
        except ValueError as err:
            raise SpecError(f"{p}: not valid JSON (CloudStack .cfg layout): {err}") from None
    validate(spec, str(p))
    return spec


def _need(obj: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(obj, dict):
        raise SpecError(f"{where}: expected an object, got {type(obj).__name__}")
    missing = [k for k in keys if obj.get(k) in (None, "")]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(repr(k) for k in missing)}")


def validate(spec: Any, source: str) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("zones"), list):
        raise SpecError(f"{source}: expected a top-level 'zones' list")
    for c, item in enumerate(spec.get("globalConfig") or []):
        _need(item, ("name",), f"{source}: globalConfig[{c}]")
    for z, zone in enumerate(spec["zones"]):
        zw = f"{source}: zones[{z}]"
        _need(zone, ("name", "networktype", "dns1", "internaldns1"), zw)
        for n, net in enumerate(zone.get("physical_networks") or []):
            _need(net, ("name",), f"{zw}.physical_networks[{n}]")
        for r, rng in enumerate(zone.get("ipranges") or []):
            _need(rng, ("gateway", "netmask", "startip"), f"{zw}.ipranges[{r}]")
        for p, pod in enumerate(zone.get("pods") or []):
            pw = f"{zw}.pods[{p}]"
            _need(pod, ("name", "gateway", "netmask", "startip"), pw)
            for r, rng in enumerate(pod.get("guestIpRanges") or []):
                _need(rng, ("gateway", "netmask", "startip"), f"{pw}.guestIpRanges[{r}]")
            for c, cluster in enumerate(pod.get("clusters") or []):
                cw = f"{pw}.clusters[{c}]"
                _need(cluster, ("clustername", "hypervisor"), cw)
                for h, host in enumerate(cluster.get("hosts") or []):
                    _need(host, ("url",), f"{cw}.hosts[{h}]")
                for s, store in enumerate(cluster.get("primaryStorages") or []):
                    _need(store, ("name", "url"), f"{cw}.primaryStorages[{s}]")
        for s, store in enumerate(zone.get("secondaryStorages") or []):
            _need(store, ("url",), f"{zw}.secondaryStorages[{s}]")
        for s, store in enumerate(zone.get("primaryStorages") or []):
            _need(store, ("name", "url"), f"{zw}.primaryStorages[{s}]")


def from_toml(doc: dict[str, Any]) -> Spec:
    """cumulo's format: flatter names, lists of strings where `.cfg` nests objects."""
    config = doc.get("config") or {}
    return {
        "globalConfig": [{"name": k, "value": str(v)} for k, v in config.items()],
        "zones": [_zone(z) for z in doc.get("zones") or []],
    }


def _range(r: dict[str, Any]) -> dict[str, Any]:
    out = {
        "gateway": r.get("gateway"),
        "netmask": r.get("netmask"),
        "startip": r.get("start", r.get("startip")),
        "endip": r.get("end", r.get("endip")),
    }
    if r.get("vlan") is not None:
        out["vlan"] = str(r["vlan"])
    return out


def _zone(z: dict[str, Any]) -> dict[str, Any]:
    keep = ("name", "networktype", "dns1", "dns2", "internaldns1", "internaldns2", "domain")
    out: dict[str, Any] = {k: z[k] for k in keep if k in z}
    if "guestcidraddress" in z:
        out["guestcidraddress"] = z["guestcidraddress"]
    if z.get("securitygroupenabled"):
        out["securitygroupenabled"] = "true"
    out["physical_networks"] = [
        {
            "name": n.get("name"),
            "vlan": n.get("vlan"),
            "isolationmethods": [n["isolation"]] if n.get("isolation") else [],
            "traffictypes": [{"typ": t} for t in n.get("traffic", [])],
            "providers": [{"name": p} for p in n.get("providers", [])],
        }
        for n in z.get("physical_networks", [])
    ]
    out["ipranges"] = [_range(r) for r in z.get("public_ranges", [])]
    out["pods"] = [_pod(p) for p in z.get("pods", [])]
    out["secondaryStorages"] = [
        {"url": s.get("url"), "provider": s.get("provider", "NFS"), "name": s.get("name")}
        for s in z.get("secondary", [])
    ]
    out["primaryStorages"] = list(z.get("zone_primary", []))
    return out


def _pod(p: dict[str, Any]) -> dict[str, Any]:
    out = _range(p)
    out["name"] = p.get("name")
    out["guestIpRanges"] = [_range(r) for r in p.get("guest_ranges", [])]
    out["clusters"] = [
        {
            "clustername": c.get("name"),
            "hypervisor": c.get("hypervisor", "Simulator"),
            "clustertype": c.get("type", "CloudManaged"),
            "hosts": [
                {
                    "url": url,
                    "username": c.get("host_username", "root"),
                    "password": c.get("host_password", "password"),
                }
                for url in c.get("hosts", [])
            ],
            "primaryStorages": [dict(s) for s in c.get("primary", [])],
        }
        for c in p.get("clusters", [])
    ]
    return out
