"""Many concurrent deployVirtualMachine calls through the web VIP, from the client namespace.

``python -m cumulo.lab.deploys STATE_DIR COUNT ZONE_NAME SOURCE_IP...``

Uses the zone's guest network (creating a shared one in an Advanced zone),
then submits COUNT deployments at once, spread over the given source addresses
(HAProxy balances by source, so each address lands on one management node). A
submission answered 503 (every node too busy, nothing done) is sent again after
``BUSY_RETRY_S``, as a client should, for up to ``SUBMIT_TIMEOUT``. Prints
``submitted`` when every submission has been answered, polls every job until
it ends (at most ``JOB_DEADLINE`` s), then prints one JSON object:
``{"network": id, "submits": [...], "jobs": [...]}``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from cumulo.lab.probe import call, signed_query
from cumulo.lab.topology import LabConfig

JOB_DEADLINE = 240.0
# 100 deployments at once on 2 shared cores: an answer can take a while.
SUBMIT_TIMEOUT = 180.0
BUSY_RETRY_S = 2.0
NETWORK = "storm"


class Client:
    """Signed calls from one source address (its own connection pool)."""

    def __init__(self, url: str, creds: dict[str, str], source: str) -> None:
        self.url, self.creds = url, creds
        self.http = httpx.Client(
            transport=httpx.HTTPTransport(local_address=source), timeout=SUBMIT_TIMEOUT
        )

    def call(self, command: str, **params: str) -> tuple[int, dict[str, Any]]:
        query = signed_query(self.creds, command, **params)
        resp = self.http.get(f"{self.url}/client/api?{query}")
        try:
            return resp.status_code, resp.json()
        except ValueError:  # HAProxy's own error pages are HTML
            return resp.status_code, {"errortext": resp.text[:120]}


def _first(body: dict[str, Any], key: str) -> dict[str, Any]:
    (inner,) = body.values()
    return inner[key][0]  # type: ignore[no-any-return]


def prepare(url: str, creds: dict[str, str], zone_name: str) -> dict[str, str]:
    """Zone, offering, template and the guest network every VM will get an address on.

    A Basic zone has its one shared network and takes no ``networkids``
    (CloudStack: "Can't specify network Ids in Basic zone"); an Advanced zone
    gets a shared network with room for every VM, created once.
    """
    c = lambda cmd, **p: call(url, creds, cmd, 30, **p)  # noqa: E731
    zone = _first(c("listZones", name=zone_name), "zone")
    offering = _first(c("listServiceOfferings", name="Small Instance"), "serviceoffering")["id"]
    template = _first(
        c("listTemplates", templatefilter="executable", zoneid=zone["id"]), "template"
    )["id"]
    ids = {"zoneid": zone["id"], "serviceofferingid": offering, "templateid": template}
    nets = c("listNetworks", zoneid=zone["id"])["listnetworksresponse"].get("network", [])
    if zone["networktype"] == "Basic":
        return {**ids, "network": next(n["id"] for n in nets if n["type"] == "Shared")}
    net = next((n["id"] for n in nets if n["name"] == NETWORK), None)
    if net is None:
        shared = _first(c("listNetworkOfferings", guestiptype="Shared"), "networkoffering")
        body = c(
            "createNetwork",
            zoneid=zone["id"],
            networkofferingid=shared["id"],
            name=NETWORK,
            displaytext=NETWORK,
            gateway="10.240.0.1",
            netmask="255.255.0.0",
            startip="10.240.0.10",
            endip="10.240.3.250",
            vlan="untagged",
        )
        net = body["createnetworkresponse"]["network"]["id"]
    return {**ids, "network": net, "networkids": net}


def storm(url: str, creds: dict[str, str], ids: dict[str, str], count: int, sources: list[str]):  # type: ignore[no-untyped-def]
    clients = [Client(url, creds, s) for s in sources]
    lock = threading.Lock()
    submits: list[dict[str, Any]] = []
    params = {
        k: ids[k] for k in ("zoneid", "serviceofferingid", "templateid", "networkids") if k in ids
    }

    def submit(i: int) -> None:
        client = clients[i % len(clients)]
        t0 = time.time()
        busy = 0
        while True:
            try:
                status, body = client.call("deployVirtualMachine", **params)
            except httpx.HTTPError as exc:
                status, body = 0, {"errortext": f"{exc.__class__.__name__}: {exc}"}
            # 503: every node was too busy (or draining) and nothing was done, so
            # a client may simply try again; anything else is final.
            if status != 503 or time.time() - t0 > SUBMIT_TIMEOUT:
                break
            busy += 1
            time.sleep(BUSY_RETRY_S)
        inner: Any = next(iter(body.values()), {}) if body else {}
        if not isinstance(inner, dict):  # HAProxy's own error page, not an API envelope
            inner = {"errortext": str(inner)}
        rec = {"i": i, "source": sources[i % len(sources)], "t0": t0, "t1": time.time()}
        rec.update(status=status, jobid=inner.get("jobid"), vmid=inner.get("id"), busy=busy)
        rec["errortext"] = inner.get("errortext", "") if status != 200 else ""
        with lock:
            submits.append(rec)

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(submit, range(count)))
    print("submitted", flush=True)
    return submits, _poll(clients[0], [s for s in submits if s["jobid"]])


def _poll(client: Client, submits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    jobs = {s["jobid"]: {"jobid": s["jobid"], "vmid": s["vmid"], "status": 0} for s in submits}
    deadline = time.time() + JOB_DEADLINE
    while time.time() < deadline:
        pending = [j for j in jobs.values() if j["status"] == 0]
        if not pending:
            break
        for job in pending:
            try:
                code, body = client.call("queryAsyncJobResult", jobid=job["jobid"])
            except httpx.HTTPError:
                continue  # the node behind the VIP may be the one just killed
            res = body.get("queryasyncjobresultresponse", {})
            if code == 200 and int(res.get("jobstatus", 0)) != 0:
                result = res.get("jobresult") or {}
                job.update(status=int(res["jobstatus"]), t1=time.time())
                job["errortext"] = result.get("errortext", "") if isinstance(result, dict) else ""
        time.sleep(0.5)
    return list(jobs.values())


def main(argv: list[str]) -> int:
    state, count, zone_name, sources = Path(argv[0]), int(argv[1]), argv[2], argv[3:]
    cfg = LabConfig.load(state)
    creds = json.loads((state / "admin.json").read_text())
    url = f"http://{cfg.web_vip}:8080"
    ids = prepare(url, creds, zone_name)
    print("ready", flush=True)
    submits, jobs = storm(url, creds, ids, count, sources)
    print(json.dumps({"network": ids["network"], "submits": submits, "jobs": jobs}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
