"""Start and stop the daemons of one lab host (each in its own namespace)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cumulo.cluster.render.base import Context
from cumulo.cluster.render.clustercheck import command as clustercheck_argv
from cumulo.drivers.simulator import shared
from cumulo.lab import mariadb, procs
from cumulo.lab.topology import DB_NODES, LabConfig


def run_dir(cfg: LabConfig, host: str) -> Path:
    return cfg.host_dir(host) / "run"


def log(cfg: LabConfig, host: str, name: str) -> Path:
    return cfg.host_dir(host) / "log" / f"{name}.log"


def services(host: str) -> list[str]:
    if host in DB_NODES:
        return ["mariadbd", "clustercheck", "cumulo"]
    return ["haproxy", "keepalived"]


def pidfile(cfg: LabConfig, host: str, service: str) -> Path:
    if service == "haproxy":
        return Path(cfg.layout(host).haproxy_pid)
    if service == "keepalived":
        # Not keepalived's own -p file: it would find itself there and refuse to start.
        return run_dir(cfg, host) / "keepalived-main.pid"
    return run_dir(cfg, host) / f"{service}.pid"


def start_clustercheck(cfg: LabConfig, ctx: Context, host: str) -> None:
    # Exactly the rendered unit's command: root over the unix socket, no password.
    argv = clustercheck_argv(ctx, host)
    procs.start(
        cfg.ns(host), argv, pidfile(cfg, host, "clustercheck"), log(cfg, host, "clustercheck")
    )


def start_cumulo(cfg: LabConfig, host: str) -> None:
    lay = cfg.layout(host)
    argv = [lay.cumulo_bin, "serve", "--config", str(cfg.rendered / host / "cumulo.toml")]
    # The nodes' simulators share their hosts: the simulated hardware is outside every node.
    env = {shared.ENV: str(cfg.state_dir / "simulator-hosts")}
    procs.start(cfg.ns(host), argv, pidfile(cfg, host, "cumulo"), log(cfg, host, "cumulo"), env)


def start_lb(cfg: LabConfig, host: str) -> None:
    lay = cfg.layout(host)
    run_dir(cfg, host).mkdir(parents=True, exist_ok=True)
    # keepalived refuses a track script that a non-root user could rewrite.
    script = Path(lay.keepalived_script)
    script.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cfg.rendered / host / "chk_haproxy.sh", script)
    script.chmod(0o755)
    procs.start(
        cfg.ns(host),
        ["haproxy", "-db", "-f", str(cfg.rendered / host / "haproxy.cfg")],
        pidfile(cfg, host, "haproxy"),
        log(cfg, host, "haproxy"),
    )
    rd = run_dir(cfg, host)
    # A SIGKILLed keepalived leaves its pid files behind; until PID 1 reaps the
    # zombie (never, in some CI containers) a new keepalived finds a "running"
    # daemon there and exits at once. We start only after a kill, so they are stale.
    for stale in ("keepalived.pid", "vrrp.pid", "checkers.pid"):
        (rd / stale).unlink(missing_ok=True)
    procs.start(
        cfg.ns(host),
        [
            "keepalived",
            "-n",
            "-l",
            "-D",
            "-f",
            str(cfg.rendered / host / "keepalived.conf"),
            "-p",
            str(rd / "keepalived.pid"),
            "-r",
            str(rd / "vrrp.pid"),
            "-c",
            str(rd / "checkers.pid"),
        ],
        pidfile(cfg, host, "keepalived"),
        log(cfg, host, "keepalived"),
    )


def kill_host(cfg: LabConfig, host: str) -> list[str]:
    """kill -9 every process of the host: the ones we recorded, and whatever else
    runs in its namespace (e.g. rsync started by an SST)."""
    recorded = {name: procs.read_pid(pidfile(cfg, host, name)) for name in services(host)}
    killed = [name for name, pid in recorded.items() if procs.alive(pid)]
    pids = [p for p in recorded.values() if p] + ns_pids(cfg.ns(host))
    procs.kill_all(pids)
    return killed


def ns_pids(ns: str) -> list[int]:
    res = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
    return [int(p) for p in res.stdout.split() if p.isdigit()]


def heal_db(cfg: LabConfig, ctx: Context, host: str) -> float:
    """Restart a killed Galera/management node; it rejoins by IST. Returns rejoin seconds."""
    position = mariadb.recover_position(cfg, host)
    mariadb.start(cfg, host, position=position)
    took = mariadb.wait_synced(cfg, host)
    start_clustercheck(cfg, ctx, host)
    start_cumulo(cfg, host)
    return took
