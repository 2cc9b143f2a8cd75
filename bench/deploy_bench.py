"""Concurrent deployment: N instances from C clients at once against a live `cumulo serve`.

    python bench/deploy_bench.py [--vms 1000] [--clients 100] [--hosts 20] [--json out.json]

Starts a fresh node on SQLite in a temporary data dir (or --url), builds a
simulator zone large enough for the instances through the API (`cumulo zone
deploy`'s deployer), one isolated guest network big enough for all of them,
then lets C clients (threads, one HTTP connection each) deploy N instances
into that one network: every client sends deployVirtualMachine and polls
queryAsyncJobResult until its job ends, then deploys the next. The time is
from the first request until the last job has ended. Afterwards every
instance is listed and checked: Running, one NIC, and no IP or MAC address
given twice.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import Keys, deploy, serve_env  # noqa: E402
from bench.list_bench import Api, free_port  # noqa: E402
from cumulo.drivers.simulator.driver import SimulatorDriver  # noqa: E402
from cumulo.tools.zone_deploy import CloudStackClient, Deployer, load_spec  # noqa: E402

HOSTS_PER_CLUSTER = 10
# Each simulator host: 64 cores of 8 GHz and 256 GiB, far more than the VMs need.
HOST_OPTIONS = "cpucore=64&cpuspeed=8000&memory=274877906944"


def zone_toml(hosts: int) -> str:
    clusters = max(1, -(-hosts // HOSTS_PER_CLUSTER))
    out = [
        '[[zones]]\nname = "bench"\nnetworktype = "Advanced"\ndns1 = "8.8.8.8"',
        'internaldns1 = "10.147.28.6"\nguestcidraddress = "10.1.0.0/16"',
        '[[zones.physical_networks]]\nname = "bench-pnet"\nisolation = "VLAN"',
        'vlan = "100-400"\ntraffic = ["Guest", "Management", "Public"]',
        'providers = ["VirtualRouter", "VpcVirtualRouter", "InternalLbVm"]',
        '[[zones.public_ranges]]\ngateway = "192.168.100.1"\nnetmask = "255.255.255.0"',
        'start = "192.168.100.10"\nend = "192.168.100.250"\nvlan = 50',
        '[[zones.pods]]\nname = "bench-pod"\ngateway = "172.16.20.1"',
        'netmask = "255.255.255.0"\nstart = "172.16.20.10"\nend = "172.16.20.200"',
    ]
    left = hosts
    for c in range(clusters):
        n = min(HOSTS_PER_CLUSTER, left)
        left -= n
        urls = ", ".join(f'"http://sim/c{c}/h{h}/{HOST_OPTIONS}"' for h in range(n))
        out += [
            f'[[zones.pods.clusters]]\nname = "bench-c{c}"\nhypervisor = "Simulator"',
            f"hosts = [{urls}]",
            f'primary = [{{ name = "bench-ps{c}", url = "nfs://10.147.28.6/bench/c{c}" }}]',
        ]
    out.append('[[zones.secondary]]\nname = "bench-sec"\nurl = "nfs://10.147.28.6/bench/sec"')
    return "\n".join(out) + "\n"


def wait_for(what: str, fn: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = fn()
        if found:
            return found
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def prepare(api: Api, base: str, keys: Keys, hosts: int, vms: int, work: Path) -> dict[str, str]:
    """Zone, offering, template and one network with room for every instance."""
    spec_file = work / "zone.toml"
    spec_file.write_text(zone_toml(hosts))
    Deployer(CloudStackClient(f"{base}/client/api", keys.apikey, keys.secretkey)).deploy(
        load_spec(str(spec_file))
    )
    zone = api.get("listZones", name="bench")[1]["zone"][0]["id"]
    wait_for(
        f"{hosts} hosts Up",
        lambda: (
            api.get("listHosts", zoneid=zone, type="Routing", state="Up")[1].get("count", 0)
            >= hosts
        ),
        120,
    )
    template = wait_for(
        "a Ready template",
        lambda: next(
            (
                t["id"]
                for t in api.get("listTemplates", templatefilter="all", zoneid=zone)[1].get(
                    "template", []
                )
                if t.get("isready") and t.get("hypervisor") == "Simulator"
            ),
            None,
        ),
        120,
    )
    offering = api.get(
        "createServiceOffering", name="bench-tiny", displaytext="bench", cpunumber=1,
        cpuspeed=100, memory=128,
    )[1]["serviceoffering"]["id"]  # fmt: skip
    isolated = api.get("listNetworkOfferings", guestiptype="Isolated", state="Enabled")[1]
    net_offering = next(
        o["id"] for o in isolated["networkoffering"] if o["name"].startswith("DefaultIsolated")
    )
    cidr = ipaddress.ip_network("10.8.0.0/21" if vms > 1000 else "10.8.0.0/22")
    if vms > cidr.num_addresses - 3:
        cidr = ipaddress.ip_network(f"10.8.0.0/{32 - (vms + 3).bit_length()}")
    network = api.get(
        "createNetwork", name="bench-net", zoneid=zone, networkofferingid=net_offering,
        gateway=str(cidr.network_address + 1), netmask=str(cidr.netmask),
    )[1]["network"]["id"]  # fmt: skip
    return {"zoneid": zone, "templateid": template, "serviceofferingid": offering,
            "networkids": network}  # fmt: skip


def run_clients(
    base: str, keys: Keys, target: dict[str, str], vms: int, clients: int, poll: float
) -> dict[str, Any]:
    """C threads deploy N instances between them; returns times and failures."""
    lock = threading.Lock()
    todo = list(range(vms))
    failures: list[str] = []
    latencies: list[float] = []

    def client() -> None:
        api = Api(base, keys.apikey, keys.secretkey)
        while True:
            with lock:
                if not todo:
                    return
                n = todo.pop()
            t0 = time.perf_counter()
            try:
                job = api.get("deployVirtualMachine", name=f"bench-{n}", **target)[1]["jobid"]
                while True:
                    result = api.get("queryAsyncJobResult", jobid=job)[1]
                    if result.get("jobstatus", 0) != 0:
                        break
                    time.sleep(poll)
                if result["jobstatus"] != 1:
                    raise RuntimeError(json.dumps(result.get("jobresult"))[:300])
            except (RuntimeError, httpx.HTTPError) as err:
                with lock:
                    failures.append(f"bench-{n}: {err}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "seconds": round(wall, 1),
        "deployed": len(latencies),
        "failures": failures,
        "job_p50_s": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "job_p95_s": round(latencies[int(len(latencies) * 0.95)], 2) if latencies else None,
    }


def audit(api: Api, network: str) -> dict[str, Any]:
    """Every instance in the network: states and how often each address was given."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.get(
            "listVirtualMachines", listall="true", networkid=network, page=page, pagesize=500
        )[1]
        items += body.get("virtualmachine", [])
        if len(items) >= body.get("count", 0) or not body.get("virtualmachine"):
            break
        page += 1
    nics = [n for vm in items for n in vm.get("nic", []) if n.get("networkid") == network]
    ips = Counter(n.get("ipaddress") for n in nics)
    macs = Counter(n.get("macaddress") for n in nics)
    return {
        "listed": len(items),
        "running": sum(1 for vm in items if vm["state"] == "Running"),
        "nics": len(nics),
        "duplicate_ips": sorted(ip for ip, k in ips.items() if k > 1 or ip is None),
        "duplicate_macs": sorted(m for m, k in macs.items() if k > 1 or m is None),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vms", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--poll", type=float, default=1.0, help="seconds between job polls")
    ap.add_argument("--url", default="", help="database URL (default: SQLite in the data dir)")
    ap.add_argument("--data-dir", help="default: a temporary directory, removed afterwards")
    ap.add_argument("--json", dest="json_out", help="write the report here as JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="deploy-bench-") as tmp:
        work = Path(args.data_dir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        report = bench(work, args)
    print(json.dumps(report, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2))
    ok = not report["failures"] and report["audit"]["running"] == args.vms
    ok = ok and not report["audit"]["duplicate_ips"] and not report["audit"]["duplicate_macs"]
    return 0 if ok else 1


def bench(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    keys = deploy(work, args.url)
    port = free_port()
    env = serve_env(work, args.url, port, 1)
    env.pop("CUMULO_WORKERS")
    env["CUMULO_DATABASE_POOL_SIZE"] = str(max(20, args.clients // 4))
    log = open(work / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "cumulo.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("the server", lambda: _ready(base), 60)
        api = Api(base, keys.apikey, keys.secretkey)
        target = prepare(api, base, keys, args.hosts, args.vms, work)
        cpu0, load0 = _cpu_seconds(proc.pid), os.getloadavg()
        result = run_clients(base, keys, target, args.vms, args.clients, args.poll)
        cpu = _cpu_seconds(proc.pid) - cpu0
        result["server_cpu_s"] = round(cpu, 1)
        result["server_cpu_ms_per_vm"] = round(cpu * 1000 / max(1, result["deployed"]), 1)
        result["vms_per_s"] = round(result["deployed"] / max(0.1, result["seconds"]), 2)
        result["load_before"] = load0
        result["audit"] = audit(api, target["networkids"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    result.update(
        vms=args.vms,
        clients=args.clients,
        hosts=args.hosts,
        load=os.getloadavg(),
        # The node's simulator answers at once (SimulatorDriver's default latency).
        simulator_latency_ms=SimulatorDriver().latency_ms,
    )
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process (and its reaped children) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
