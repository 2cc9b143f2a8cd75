"""``cumulo lab up | kill | heal | down``: the lifecycle of the namespace lab."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from cumulo.cluster.haproxystats import from_socket
from cumulo.cluster.inventory_toml import dumps
from cumulo.cluster.render import render_all, write
from cumulo.cluster.render.base import Context
from cumulo.cluster.render.secrets import load_or_create
from cumulo.lab import mariadb, netns, procs, services
from cumulo.lab.topology import (
    DB_NODES,
    LAB_ROOT_PASSWORD,
    LBS,
    PACKAGES,
    LabConfig,
    inventory,
)


class LabError(Exception):
    """The lab cannot do what was asked; the message says why and what to do."""


def missing_packages() -> list[str]:
    missing = []
    for pkg, probe in PACKAGES.items():
        present = Path(probe).exists() if probe.startswith("/") else shutil.which(probe)
        if not present:
            missing.append(pkg)
    return missing


def context(cfg: LabConfig) -> Context:
    secrets = load_or_create(cfg.state_dir / "secrets.toml")
    return Context(inventory(cfg), secrets, cfg.layout)


def up(cfg: LabConfig, say: Callable[[str], None] = print) -> dict[str, float]:
    """Build the whole lab; returns the seconds each phase took."""
    missing = missing_packages()
    if missing:
        raise LabError(
            f"missing Debian packages: {' '.join(missing)}; install them with "
            f"`apt-get install {' '.join(missing)}` (the lab installs nothing itself)"
        )
    if set(cfg.all_namespaces) & netns.existing():
        raise LabError(f"a lab with prefix {cfg.prefix!r} exists; run `cumulo lab down` first")
    phases: dict[str, float] = {}

    def phase(name: str, fn: Callable[[], object]) -> None:
        t0 = time.monotonic()
        say(f"{name} ...")
        fn()
        phases[name] = round(time.monotonic() - t0, 2)

    cfg.save()
    ctx = context(cfg)
    # For `cumulo doctor --inventory` (its secrets file sits next to it).
    (cfg.state_dir / "inventory.toml").write_text(dumps(ctx.inv))
    phase("render", lambda: write(render_all(ctx.inv, ctx.secrets, cfg.layout), cfg.rendered))
    phase("network", lambda: _network(cfg))
    phase("galera", lambda: _galera(cfg, ctx))
    phase("load balancers", lambda: _lbs(cfg))
    phase("database setup", lambda: _setup_database(cfg, ctx))
    phase("management nodes", lambda: _managers(cfg))
    return phases


def _network(cfg: LabConfig) -> None:
    netns.safety_route(f"{cfg.net}.0.0/16", add=True)
    netns.create_switch(cfg.switch)
    for host in (*DB_NODES, *LBS, "client"):
        netns.attach(cfg.ns(host), cfg.switch, f"p-{host}", cfg.host_addresses(host))
    for lb in LBS:
        # HAProxy on the BACKUP LB binds the VIPs it does not hold yet.
        netns.sysctl(cfg.ns(lb), "net.ipv4.ip_nonlocal_bind=1")


def _galera(cfg: LabConfig, ctx: Context) -> None:
    for host in DB_NODES:
        mariadb.install(cfg, host)
    first, *others = DB_NODES
    mariadb.start(cfg, first, new_cluster=True)
    mariadb.wait_synced(cfg, first)
    mariadb.create_lab_users(cfg, first)
    for host in others:  # one at a time: each join is an SST from a donor
        mariadb.start(cfg, host)
        mariadb.wait_synced(cfg, host)
    for host in DB_NODES:
        services.start_clustercheck(cfg, ctx, host)


def _lbs(cfg: LabConfig) -> None:
    for lb in LBS:
        services.start_lb(cfg, lb)
    wait(
        lambda: vip_holders(cfg)["web"] == ["lb1"] and vip_holders(cfg)["db"] == ["lb1"],
        30,
        "lb1 did not take both VIPs",
    )
    wait(
        lambda: backend_up(cfg, "lb1", "galera", DB_NODES[0]),
        30,
        "HAProxy does not see the Galera writer as UP (clustercheck)",
    )


def _setup_database(cfg: LabConfig, ctx: Context) -> None:
    host = DB_NODES[0]
    lay = cfg.layout(host)
    db = ctx.inv.database
    res = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns(host),
            lay.cumulo_bin,
            "cluster",
            "setup-databases",
            f"{db.user}:{ctx.secrets['db_password']}@{cfg.db_vip}:{db.port}",
            f"--deploy-as=root:{LAB_ROOT_PASSWORD}",
            f"--database={db.name}",
            f"--config-out={cfg.host_dir(host) / 'etc' / 'setup-databases.toml'}",
            f"--data-dir={lay.cumulo_data_dir}",
            f"--key-file={lay.cumulo_key}",
            f"--node-name={host}",
            f"--service-ip={cfg.web_addr(11)}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if res.returncode != 0:
        raise LabError(f"setup-databases failed: {res.stderr.strip() or res.stdout.strip()}")
    creds = dict(re.findall(r"^\s+(username|password|apikey|secretkey):\s+(\S+)", res.stdout, re.M))
    (cfg.state_dir / "admin.json").write_text(json.dumps(creds))
    (cfg.state_dir / "admin.json").chmod(0o600)
    # The guides' step: copy the key to the other managers.
    for other in DB_NODES[1:]:
        dest = Path(cfg.layout(other).cumulo_key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lay.cumulo_key, dest)
        dest.chmod(0o600)


def _managers(cfg: LabConfig) -> None:
    for host in DB_NODES:
        services.start_cumulo(cfg, host)
    wait(
        lambda: all(backend_up(cfg, "lb1", "cumulo_web", h) for h in DB_NODES),
        90,
        "the management nodes did not become ready (/readyz) behind HAProxy",
    )


def wait(cond: Callable[[], bool], timeout: float, what: str) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if cond():
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    raise LabError(f"{what} within {timeout:.0f}s")


def vip_holders(cfg: LabConfig) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"web": [], "db": []}
    for lb in LBS:
        addrs = netns.addresses(cfg.ns(lb))
        if cfg.web_vip in addrs:
            out["web"].append(lb)
        if cfg.db_vip in addrs:
            out["db"].append(lb)
    return out


def backend_up(cfg: LabConfig, lb: str, proxy: str, server: str) -> bool:
    for s in from_socket(cfg.layout(lb).haproxy_socket):
        if s.proxy == proxy and s.server == server:
            return s.up
    return False


def kill(cfg: LabConfig, host: str) -> list[str]:
    _known(host)
    return services.kill_host(cfg, host)


def heal(cfg: LabConfig, host: str) -> float:
    """Restart a killed host's daemons; returns seconds until it is back in service."""
    _known(host)
    t0 = time.monotonic()
    if host in DB_NODES:
        services.heal_db(cfg, context(cfg), host)
    else:
        services.start_lb(cfg, host)
        # The stats socket answers once haproxy runs (wait() retries the OSError before).
        wait(
            lambda: bool(from_socket(cfg.layout(host).haproxy_socket)),
            10,
            f"haproxy on {host} did not start",
        )
        # keepalived exits at once when it refuses to start (stale pid, bad config).
        time.sleep(0.5)
        if not procs.alive(procs.read_pid(services.pidfile(cfg, host, "keepalived"))):
            tail = services.log(cfg, host, "keepalived").read_text(errors="replace")[-800:]
            raise LabError(f"keepalived on {host} did not stay up:\n{tail}")
    return time.monotonic() - t0


def _known(host: str) -> None:
    if host not in (*DB_NODES, *LBS):
        raise LabError(f"no lab host {host!r}; use one of {', '.join((*DB_NODES, *LBS))}")


def down(cfg: LabConfig) -> None:
    """Remove every process, namespace, route and file of the lab; safe to repeat."""
    recorded = [
        procs.read_pid(f)
        for host in (*DB_NODES, *LBS)
        for f in (cfg.host_dir(host) / "run").glob("*.pid")
    ]
    procs.kill_all([p for p in recorded if p])
    procs.kill_all([p for ns in cfg.all_namespaces for p in services.ns_pids(ns)])
    for ns in cfg.all_namespaces:
        netns.delete(ns)
    netns.safety_route(f"{cfg.net}.0.0/16", add=False)
    shutil.rmtree(cfg.state_dir, ignore_errors=True)
