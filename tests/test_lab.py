"""The HA lab: topology (a) in network namespaces, failover measured from a client.

Timings on 2 shared cores are noisy, so the bounds are generous; the figures
are printed (pytest -s) for the report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cumulo.lab import lab as lab_ops
from cumulo.lab import mariadb, netns, services
from cumulo.lab.status import collect
from cumulo.lab.topology import DB_NODES, LBS, LabConfig

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def lab() -> Iterator[LabConfig]:
    tag = uuid.uuid4().hex[:4]
    cfg = LabConfig(state_dir=Path(f"/run/cumulo-lab-test-{tag}"), prefix=f"ct{tag}", net="10.79")
    try:
        phases = lab_ops.up(cfg, say=lambda _m: None)
        print(f"\nlab up: {json.dumps(phases)} total {sum(phases.values()):.1f}s")
        yield cfg
    finally:
        lab_ops.down(cfg)


def _probe(cfg: LabConfig, mode: str, action) -> dict:  # type: ignore[no-untyped-def]
    """Start a probe in the client namespace, inject the failure, time the recovery."""
    p = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns("client"),
            sys.executable,
            "-m",
            "cumulo.lab.probe",
            str(cfg.state_dir),
            mode,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdin and p.stdout
    assert p.stdout.readline().strip() == "ready"
    t0 = time.time()
    action()
    p.stdin.write(f"{t0}\n")
    p.stdin.flush()
    result = json.loads(p.stdout.readline())
    p.wait(timeout=10)
    return result  # type: ignore[no-any-return]


def _doctor(cfg: LabConfig, host: str) -> tuple[int, dict[str, dict]]:
    """`cumulo doctor` on a management node, with the lab's inventory."""
    res = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns(host),
            cfg.layout(host).cumulo_bin,
            "doctor",
            "--config",
            str(cfg.rendered / host / "cumulo.toml"),
            "--inventory",
            str(cfg.state_dir / "inventory.toml"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(res.stdout)
    return res.returncode, {f["check"]: f for f in report["findings"]}


def test_lab_serves_the_api_and_survives_failures(lab: LabConfig) -> None:
    cfg = lab
    st = collect(cfg)
    assert st["vips"] == {"web": ["lb1"], "db": ["lb1"]}
    for host in DB_NODES:
        assert st["hosts"][host]["wsrep"]["wsrep_cluster_size"] == "3"
        assert all(st["hosts"][host]["processes"].values())
    assert st["haproxy"]["lb1"]["galera/db1"] == "UP"
    assert st["haproxy"]["lb1"]["cumulo_web/db3"] == "UP"

    # A signed listApis through the web VIP, from the client namespace.
    out = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns("client"),
            sys.executable,
            "-m",
            "cumulo.lab.probe",
            str(cfg.state_dir),
            "once",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout)["count"] > 5

    code, found = _doctor(cfg, "db2")
    assert code == 0, found
    assert found["vip web"]["message"].endswith("held by lb1")
    assert "Synced, cluster size 3/3" in found["galera db3"]["message"]
    assert found["cluster key"]["status"] == "ok" and found["node db1"]["status"] == "ok"

    # The MASTER load balancer dies: the VIPs move to lb2.
    lb = _probe(cfg, "read", lambda: lab_ops.kill(cfg, "lb1"))
    print(
        f"\nlb1 killed: API answers again through the VIP after {lb['elapsed']}s "
        f"({lb['failures']} failed calls)"
    )
    assert lb["elapsed"] is not None and lb["elapsed"] < 15
    holders = lab_ops.vip_holders(cfg)
    # A SIGKILLed keepalived can leave a stale copy of the VIPs on lb1 (ha-lab
    # pitfall 5); lb2's gratuitous ARP makes its copy the one that answers.
    assert "lb2" in holders["web"] and "lb2" in holders["db"], holders
    lab_ops.heal(cfg, "lb1")
    try:
        back = lab_ops.wait(
            lambda: lab_ops.vip_holders(cfg) == {"web": ["lb1"], "db": ["lb1"]},
            30,
            "lb1 did not take the VIPs back",
        )
    except lab_ops.LabError as exc:
        logs = {lb: services.log(cfg, lb, "keepalived").read_text()[-1500:] for lb in LBS}
        raise AssertionError(f"{exc}; holders {lab_ops.vip_holders(cfg)}; logs {logs}") from exc
    print(f"lb1 healed: took the VIPs back (preempt) after {back:.1f}s")

    # The Galera writer (also a management node) dies: writes move to db2.
    db = _probe(cfg, "write", lambda: lab_ops.kill(cfg, "db1"))
    print(
        f"db1 killed: createDomain through the VIP succeeds again after {db['elapsed']}s "
        f"({db['failures']} failed calls)"
    )
    assert db["elapsed"] is not None and db["elapsed"] < 30
    st = collect(cfg)
    assert st["hosts"]["db2"]["wsrep"]["wsrep_cluster_size"] == "2"
    assert not any(st["hosts"]["db1"]["processes"].values())
    code, found = _doctor(cfg, "db2")
    assert code == 1
    assert (
        found["galera db1"]["status"] == "fail" and "unreachable" in found["galera db1"]["message"]
    )
    assert (
        found["haproxy lb1"]["status"] == "fail" and "galera/db1" in found["haproxy lb1"]["message"]
    )

    took = lab_ops.heal(cfg, "db1")
    log = Path(cfg.layout("db1").mysql_log).read_text()
    assert "IST received" in log  # rejoined incrementally, not by a full copy
    print(f"db1 healed: Synced by IST and serving after {took:.1f}s")
    assert mariadb.wsrep(cfg, "db1")["wsrep_cluster_size"] == "3"
    lab_ops.wait(
        lambda: lab_ops.backend_up(cfg, "lb1", "galera", "db1"),
        30,
        "HAProxy did not take db1 back as the writer",
    )
    after = _probe(cfg, "write", lambda: None)
    assert after["elapsed"] is not None and after["elapsed"] < 10


def test_down_removes_everything_and_can_be_repeated() -> None:
    tag = uuid.uuid4().hex[:4]
    cfg = LabConfig(state_dir=Path(f"/run/cumulo-lab-test-{tag}"), prefix=f"cd{tag}", net="10.80")
    cfg.save()
    netns.create_switch(cfg.switch)
    netns.attach(cfg.ns("client"), cfg.switch, "p-client", cfg.host_addresses("client"))
    lab_ops.down(cfg)
    assert not set(cfg.all_namespaces) & netns.existing()
    assert not cfg.state_dir.exists()
    lab_ops.down(cfg)  # nothing left: still fine


def test_up_names_the_missing_packages_and_touches_nothing(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    res = subprocess.run(
        [str(Path(sys.executable).parent / "cumulo"), "lab", "up", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/nonexistent", "HOME": str(tmp_path)},
    )
    assert res.returncode != 0
    assert "missing Debian packages:" in res.stderr
    for pkg in ("mariadb-server", "haproxy", "keepalived", "iproute2", "rsync"):
        assert pkg in res.stderr
    assert "apt-get install" in res.stderr
    assert not state.exists()
