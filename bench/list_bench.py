"""List latencies over real HTTP against `cumulo serve` on a seeded database.

    python bench/seed_scale.py --data-dir /tmp/scale --scale 0.1
    python bench/list_bench.py --data-dir /tmp/scale [--samples 30]

Measures, for each of listVirtualMachines, listHosts, listVolumes,
listNetworks, listAccounts that the server offers (listApis): a first page of
500 (page=1&pagesize=500), a page deep in the result (page=N), a lookup by id
and a lookup by keyword. Prints p50/p95 in milliseconds (and JSON with --json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from cumulo.http.signing import sign

BIN = Path(sys.executable).parent
# command -> (response key, extra params, keyword to search, a broad keyword or "").
# The keywords name one resource (and its 10 neighbours: "scale-vm-4242" also
# finds "scale-vm-42420"...); the broad one matches half of the volumes, so its
# cost is that of a full page of 500 and a count of 100,000 matches.
LISTS = {
    "listVirtualMachines": ("virtualmachine", {"listall": "true"}, "scale-vm-4242", ""),
    "listHosts": ("host", {"type": "Routing"}, "scale-host-1234", ""),
    "listVolumes": ("volume", {"listall": "true"}, "DATA-4242", "DATA-"),
    "listNetworks": ("network", {"listall": "true"}, "scale-net-777", ""),
    "listAccounts": ("account", {"listall": "true"}, "a1234", ""),
}


class Api:
    def __init__(self, base: str, apikey: str, secret: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=120)
        self.apikey, self.secret = apikey, secret

    def get(self, command: str, **params: Any) -> tuple[float, dict[str, Any]]:
        p = {k: str(v) for k, v in params.items()}
        expires = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S+0000")
        p.update(
            command=command,
            response="json",
            apiKey=self.apikey,
            signatureVersion="3",
            expires=expires,
        )
        p["signature"] = sign(p, self.secret)
        query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in p.items())
        t0 = time.perf_counter()
        resp = self.http.get(f"/client/api?{query}")
        elapsed = (time.perf_counter() - t0) * 1000
        ((_, inner),) = resp.json().items()
        if resp.status_code != 200:
            raise RuntimeError(f"{command} {params}: {resp.status_code} {inner}")
        return elapsed, inner


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cases(
    extra: dict[str, str], ids: list[str], deep: int, keyword: str, broad: str = ""
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Parameters per request of each case (a fresh random id for every lookup)."""
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "page1": lambda: {"page": 1, "pagesize": 500, **extra},
        f"page{deep}": lambda: {"page": deep, "pagesize": 500, **extra},
        "by id": lambda: {"id": random.choice(ids), **extra},
        "keyword": lambda: {"keyword": keyword, "page": 1, "pagesize": 500, **extra},
    }
    if broad:
        cases["keyword broad"] = lambda: {"keyword": broad, "page": 1, "pagesize": 500, **extra}
    return cases


def server_cpu_ms(pid: int | None) -> float:
    """CPU the server process has used so far (user + system): the machine is shared, so
    wall times swing with other load while CPU per request stays comparable."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:13]) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(api: Api, samples: int, pid: int | None = None) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for command, (key, extra, keyword, broad) in LISTS.items():
        try:
            _, first = api.get("listApis", name=command)
        except RuntimeError:
            print(f"{command}: not offered by this server, skipped", flush=True)
            continue
        if not first.get("api"):
            continue
        _, page = api.get(command, page=1, pagesize=500, **extra)
        total = int(page.get("count", 0))
        ids = [item["id"] for item in page.get(key, [])]
        deep = max(1, total // 500 // 2)
        cases = _cases(extra, ids, deep, keyword, broad)
        for name, fn in cases.items():
            if name == "by id" and not ids:
                continue
            api.get(command, **fn())  # warm-up
            cpu0 = server_cpu_ms(pid)
            times = [api.get(command, **fn())[0] for _ in range(samples)]
            label = f"{command} {name}"
            results[label] = {
                "p50": statistics.median(times),
                "p95": pct(times, 0.95),
                "count": total,
                "server_cpu_ms": (server_cpu_ms(pid) - cpu0) / samples,
                "load": os.getloadavg()[0],
            }
            print(
                f"{label:<36} p50 {results[label]['p50']:7.1f} ms  "
                f"p95 {results[label]['p95']:7.1f} ms  "
                f"server CPU {results[label]['server_cpu_ms']:6.1f} ms/req  ({total} rows)",
                flush=True,
            )
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def admin_keys(env: dict[str, str]) -> dict[str, str]:
    """The admin's API keys, as an operator gets them: `cumulo admin keys`."""
    out = subprocess.run(
        [str(BIN / "cumulo"), "admin", "keys", "--user", "admin", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--url", default="", help="database URL (default: SQLite in --data-dir)")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--json", dest="json_out", help="write the results here as JSON")
    args = ap.parse_args(argv)
    env = dict(
        os.environ,
        CUMULO_DATA_DIR=args.data_dir,
        CUMULO_NODE_NAME="bench",
        CUMULO_LOG_LEVEL="warning",
    )
    if args.url:
        env["CUMULO_DATABASE_URL"] = args.url
    env.pop("CUMULO_CONFIG", None)
    keys = admin_keys(env)
    port = free_port()
    log = open(Path(args.data_dir) / "bench-serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(BIN / "cumulo"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a node on a shared, loaded machine starts slowly
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"the server did not start; see {log.name}") from None
                time.sleep(0.2)
        results = measure(Api(base, keys["apikey"], keys["secretkey"]), args.samples, proc.pid)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=2))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a starved node may take long to drain
            proc.kill()
            proc.wait()
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
