"""`cumulo zone deploy` and `cumulo serve --demo` against a real server process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.client import ApiClient
from tests.support.server import live_server, server_env

BIN = Path(sys.executable).parent
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "zones"


@dataclass
class Server:
    url: str
    env: dict[str, str]
    api: ApiClient
    keys: dict[str, str]
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("zonecli")
    with live_server(data, "zonecli", args=("--demo",)) as node:
        env = server_env(data, "zonecli", node.port, node.settings)
        for key in ("CLOUDSTACK_KEY", "CLOUDSTACK_SECRET"):
            env.pop(key, None)
        apikey, secretkey = node.keys()
        yield Server(
            f"{node.url}/client/api",
            env,
            ApiClient(node.http, apikey, secretkey),
            {"apikey": apikey, "secretkey": secretkey},
            node.log_path,
        )


def _cumulo(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [str(BIN / "cumulo"), *args], env=env, capture_output=True, text=True, timeout=240
    )
    if check and out.returncode != 0:
        raise AssertionError(f"cumulo {' '.join(args[:3])} failed:\n{out.stdout}\n{out.stderr}")
    return out


def _deploy(server: Server, path: Path, *extra: str, check: bool = True):  # type: ignore[no-untyped-def]
    auth = ["--apikey", server.keys["apikey"], "--secretkey", server.keys["secretkey"]]
    return _cumulo(
        server.env, "zone", "deploy", str(path), "--url", server.url, *auth, *extra, check=check
    )


def _zone(api: ApiClient, name: str) -> dict:  # type: ignore[type-arg]
    zones = [z for z in api.call("listZones").get("zone", []) if z["name"] == name]
    assert len(zones) == 1, zones
    return zones[0]


def _inventory(api: ApiClient, zone_id: str) -> dict[str, int]:
    return {
        "pods": api.call("listPods", zoneid=zone_id)["count"],
        "clusters": api.call("listClusters", zoneid=zone_id)["count"],
        "hosts": api.call("listHosts", zoneid=zone_id, type="Routing")["count"],
        "pools": api.call("listStoragePools", zoneid=zone_id)["count"],
        "ranges": api.call("listVlanIpRanges", zoneid=zone_id).get("count", 0),
        "stores": api.call("listImageStores", zoneid=zone_id)["count"],
        "nets": api.call("listPhysicalNetworks", zoneid=zone_id)["count"],
    }


def test_advanced_cfg_deploys_and_reruns_without_duplicates(server: Server) -> None:
    first = _deploy(server, EXAMPLES / "advanced-simulator.cfg")
    assert "created zone Sandbox-simulator" in first.stdout
    api = server.api
    zone = _zone(api, "Sandbox-simulator")
    assert zone["allocationstate"] == "Enabled" and zone["networktype"] == "Advanced"
    built = _inventory(api, zone["id"])
    assert built == {
        "pods": 1,
        "clusters": 2,
        "hosts": 4,
        "pools": 4,
        "ranges": 1,
        "stores": 1,
        "nets": 1,
    }
    hosts = api.call("listHosts", zoneid=zone["id"], type="Routing")["host"]
    assert all(h["state"] == "Up" for h in hosts)
    net = api.call("listPhysicalNetworks", zoneid=zone["id"])["physicalnetwork"][0]
    assert (net["state"], net["vlan"]) == ("Enabled", "100-200")
    providers = api.call(
        "listNetworkServiceProviders", physicalnetworkid=net["id"], state="Enabled"
    )
    enabled = {p["name"] for p in providers["networkserviceprovider"]}
    assert {"VirtualRouter", "VpcVirtualRouter", "InternalLbVm"} <= enabled
    vlan = api.call("listVlanIpRanges", zoneid=zone["id"])["vlaniprange"][0]
    assert (vlan["startip"], vlan["endip"], vlan["vlan"]) == (
        "192.168.2.2",
        "192.168.2.200",
        "vlan://50",
    )
    setting = api.call("listConfigurations", name="network.gc.wait")["configuration"][0]
    assert setting["value"] == "20"  # the file's globalConfig was applied

    again = _deploy(server, EXAMPLES / "advanced-simulator.cfg")
    assert "done: 0 created" in again.stdout
    assert _inventory(api, zone["id"]) == built
    assert len([z for z in api.call("listZones")["zone"] if z["name"] == "Sandbox-simulator"]) == 1


def test_basic_cfg_deploys_pod_guest_range(server: Server) -> None:
    _deploy(server, EXAMPLES / "basic-simulator.cfg", "--quiet")
    api = server.api
    zone = _zone(api, "Sandbox-simulator-basic")
    assert zone["networktype"] == "Basic" and zone["securitygroupsenabled"] is True
    assert zone["allocationstate"] == "Enabled"
    ranges = api.call("listVlanIpRanges", zoneid=zone["id"])["vlaniprange"]
    assert [(r["startip"], r["forvirtualnetwork"]) for r in ranges] == [("60.147.41.2", False)]
    assert api.call("listHosts", zoneid=zone["id"], type="Routing")["count"] == 2
    net = api.call("listPhysicalNetworks", zoneid=zone["id"])["physicalnetwork"][0]
    assert net["isolationmethods"] == "L3"


def test_serve_demo_builds_toml_zone_and_cli_rerun_with_local_keys(server: Server) -> None:
    api = server.api
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        zones = [z for z in api.call("listZones").get("zone", []) if z["name"] == "Demo"]
        if zones and zones[0]["allocationstate"] == "Enabled":
            break
        time.sleep(0.3)
    else:
        raise AssertionError(server.log.read_text()[-3000:])
    built = _inventory(api, zones[0]["id"])
    assert built["clusters"] == 2 and built["hosts"] == 4 and built["pools"] == 2
    # The same file through the CLI, keys read from the local database.
    again = _cumulo(
        server.env,
        "zone",
        "deploy",
        str(EXAMPLES / "demo.toml"),
        "--url",
        server.url,
        "--user",
        "admin",
    )
    assert "done: 0 created" in again.stdout, again.stdout
    assert _inventory(api, zones[0]["id"]) == built


def test_broken_files_fail_with_the_object_and_command(server: Server, tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.cfg"
    bad_json.write_text('{"zones": [')
    out = _deploy(server, bad_json, check=False)
    assert out.returncode == 1 and "not valid JSON" in out.stderr and "bad.cfg" in out.stderr

    missing = tmp_path / "missing.cfg"
    spec = json.loads((EXAMPLES / "advanced-simulator.cfg").read_text())
    del spec["zones"][0]["pods"][0]["clusters"][1]["hypervisor"]
    missing.write_text(json.dumps(spec))
    out = _deploy(server, missing, check=False)
    assert out.returncode == 1
    assert "zones[0].pods[0].clusters[1]: missing 'hypervisor'" in out.stderr

    refused = tmp_path / "refused.toml"
    refused.write_text(
        "[[zones]]\nname = 'Broken'\nnetworktype = 'Advanced'\ndns1 = '8.8.8.8'\n"
        "internaldns1 = '8.8.4.4'\n[[zones.pods]]\nname = 'P'\ngateway = '10.9.0.1'\n"
        "netmask = '255.255.255.0'\nstart = '10.9.0.50'\nend = '10.9.0.10'\n"
    )
    out = _deploy(server, refused, check=False)
    assert out.returncode == 1
    assert "zone 'Broken' / pod 'P': createPod failed (431)" in out.stderr, out.stderr

    out = _cumulo(
        server.env,
        "zone",
        "deploy",
        str(EXAMPLES / "demo.toml"),
        "--url",
        server.url,
        "--apikey",
        "nope",
        "--secretkey",
        "nope",
        check=False,
    )
    assert out.returncode == 1 and "failed (401)" in out.stderr, out.stderr
