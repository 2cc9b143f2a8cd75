"""Failover under continuous API load, in the namespace lab (brought up once).

A load generator in the client namespace (cumulo.lab.load) calls the API
through the web VIP all the time: reads retried once, createDomain writes,
async deleteDomain jobs polled to the end. Each scenario injects one failure
and measures: unavailability (longest gap without any successful request),
write outage, failed requests, job outcomes, acknowledged writes lost.
Bounds are generous (2 shared cores); the figures are printed (pytest -s)
and recorded in docs/failover.md.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cumulo.lab import lab as lab_ops
from cumulo.lab import mariadb, procs, services
from cumulo.lab.loadstats import acked_alive, summarise
from cumulo.lab.topology import DB_NODES, LabConfig
from tests.test_lab import _doctor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def lab() -> Iterator[LabConfig]:
    tag = uuid.uuid4().hex[:4]
    cfg = LabConfig(state_dir=Path(f"/run/cumulo-lab-fo-{tag}"), prefix=f"cf{tag}", net="10.81")
    try:
        phases = lab_ops.up(cfg, say=lambda _m: None)
        print(f"\nlab up in {sum(phases.values()):.1f}s")
        yield cfg
    finally:
        lab_ops.down(cfg)


def _under_load(cfg: LabConfig, inject: Callable[[], object], observe: float) -> dict[str, Any]:
    """Run the load, inject the failure after a steady phase, return the run and figures."""
    p = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns("client"),
            sys.executable,
            "-m",
            "cumulo.lab.load",
            str(cfg.state_dir),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdin and p.stdout
    assert p.stdout.readline().strip() == "ready"
    time.sleep(2.0)
    failed_at = time.time()
    inject()
    time.sleep(max(0.0, observe - (time.time() - failed_at)))
    end = time.time()
    p.stdin.write("stop\n")
    p.stdin.flush()
    result = json.loads(p.stdout.readline())
    p.wait(timeout=30)
    steady = [r for r in result["records"] if r["t1"] < failed_at]
    assert sum(1 for r in steady if r["ok"]) > 5, "no steady load before the failure"
    figures = summarise(result, failed_at, end)
    return {"result": result, "figures": figures, "failed_at": failed_at}


def _busiest_node(cfg: LabConfig) -> str:
    """The management node the client's requests go to (HAProxy balances by source)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(2)
        s.connect(cfg.layout("lb1").haproxy_socket)
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
    web = {r["svname"]: int(r["stot"]) for r in rows if r["pxname"] == "cumulo_web"}
    return max(DB_NODES, key=lambda h: web.get(h, 0))


def _cumulo_pid(cfg: LabConfig, host: str) -> int | None:
    return procs.read_pid(services.pidfile(cfg, host, "cumulo"))


def _wait_ready(cfg: LabConfig, host: str, timeout: float = 90) -> float:
    return lab_ops.wait(
        lambda: lab_ops.backend_up(cfg, "lb1", "cumulo_web", host),
        timeout,
        f"{host} did not become ready behind HAProxy",
    )


def _missing_domains(cfg: LabConfig, host: str, names: list[str]) -> list[str]:
    present = set(mariadb.sql(cfg, host, "SELECT name FROM cumulo.domain", timeout=30).split())
    return [n for n in names if n not in present]


def _stuck_jobs(cfg: LabConfig, host: str) -> int:
    return int(mariadb.sql(cfg, host, "SELECT COUNT(*) FROM cumulo.async_job WHERE status=0"))


def _report(name: str, run: dict[str, Any]) -> None:
    print(f"\n{name}: {json.dumps(run['figures'])}")
    Path("/tmp").joinpath(f"cumulo-failover-{name}.json").write_text(
        json.dumps(run["figures"]) + "\n"
    )


def test_a_kill_management_node(lab: LabConfig) -> None:
    cfg = lab
    victims: list[str] = []

    def kill_busiest() -> None:
        victims.append(_busiest_node(cfg))  # chosen under load: the client's node
        procs.kill(_cumulo_pid(cfg, victims[0]), signal.SIGKILL)

    run = _under_load(cfg, kill_busiest, observe=15)
    victim = victims[0]
    run["figures"]["victim"] = victim
    f = run["figures"]
    _report("kill-management-node", run)
    assert f["unavailable_s"] <= 10, f
    assert f["reads_failed_after_retry"] == 0, f
    # Jobs the dead node was running are adopted by the others: none stays pending.
    assert f["jobs_stuck"] == 0, f
    assert all(t for t in f["jobs_failed"]), f  # a failed job says why
    services.start_cumulo(cfg, victim)
    _wait_ready(cfg, victim)
    assert _missing_domains(cfg, "db2", acked_alive(run["result"])) == []


def _rolling_restart() -> Callable[[LabConfig], None]:
    def restart(cfg: LabConfig) -> None:
        for host in DB_NODES:
            pid = _cumulo_pid(cfg, host)
            assert procs.kill(pid, signal.SIGTERM, wait=60), f"{host} was not running"
            services.start_cumulo(cfg, host)
            _wait_ready(cfg, host)

    return restart


def test_c_rolling_restart(lab: LabConfig) -> None:
    cfg = lab
    restart = _rolling_restart()
    started = time.time()
    run = _under_load(cfg, lambda: restart(cfg), observe=5)
    f = run["figures"]
    f["restart_all_s"] = round(time.time() - started, 1)
    _report("rolling-restart", run)
    assert f["reads_failed_after_retry"] == 0, f
    assert f["writes_failed"] == 0, f
    assert f["jobs_stuck"] == 0, f
    assert f["unavailable_s"] <= 5, f


def test_b_lose_controller_host(lab: LabConfig) -> None:
    """db1 is cumulo + the Galera writer: both die at once."""
    cfg = lab
    run = _under_load(cfg, lambda: lab_ops.kill(cfg, "db1"), observe=25)
    f = run["figures"]
    _report("lose-controller-host", run)
    assert f["unavailable_s"] <= 30, f
    assert f["write_outage_s"] <= 30, f
    assert f["jobs_stuck"] == 0, f
    assert _missing_domains(cfg, "db2", acked_alive(run["result"])) == []

    lab_ops.heal(cfg, "db1")
    _wait_ready(cfg, "db1")
    lab_ops.wait(
        lambda: lab_ops.backend_up(cfg, "lb1", "galera", "db1"), 30, "db1 not the writer again"
    )
    assert _missing_domains(cfg, "db1", acked_alive(run["result"])) == []
    assert _stuck_jobs(cfg, "db1") == 0
    deadline = time.monotonic() + 60
    while True:
        code, found = _doctor(cfg, "db2")
        if code == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert code == 0, {k: v for k, v in found.items() if v["status"] != "ok"}


def test_master_lb_dies_under_load(lab: LabConfig) -> None:
    cfg = lab
    run = _under_load(cfg, lambda: lab_ops.kill(cfg, "lb1"), observe=12)
    f = run["figures"]
    _report("kill-master-lb", run)
    assert f["unavailable_s"] <= 15, f
    assert f["jobs_stuck"] == 0, f
    assert _missing_domains(cfg, "db2", acked_alive(run["result"])) == []
    lab_ops.heal(cfg, "lb1")
    lab_ops.wait(
        lambda: lab_ops.vip_holders(cfg) == {"web": ["lb1"], "db": ["lb1"]},
        30,
        "lb1 did not take the VIPs back",
    )
