"""A real 3-node MariaDB Galera cluster on loopback, plus HAProxy, for the tests.

The shape and every configuration file come from the lab (``cumulo.lab``):
its inventory, rendered by ``cumulo cluster render``'s renderers, with the
lab's Galera install and clustercheck. Only the addresses differ: instead of
network namespaces the nodes use their own ``127.N.2.x`` loopback addresses,
so the test process reaches every node (and HAProxy's DB VIP) directly.
Loopback addresses share one network stack, so Galera's group port must be
bound to the node's own address (it listens on 0.0.0.0 by default) and each
joiner gets its own SST port.

Two layouts are served from one cluster:

* ``node_urls``: every node directly (multi-writer: cumulo node i writes to
  Galera node i, so concurrent transactions certify against each other);
* ``vip_url``: HAProxy's ``listen galera`` on the DB VIP, one writer and the
  other two ``backup``, as production renders it.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from cumulo.cluster.inventory import Timers
from cumulo.cluster.render import render_all, write
from cumulo.cluster.render.base import Context
from cumulo.cluster.render.clustercheck import command as clustercheck_argv
from cumulo.cluster.render.galera import provider_options
from cumulo.cluster.render.secrets import load_or_create
from cumulo.lab import lab, mariadb
from cumulo.lab.topology import DB_NODES, LAB_ROOT_PASSWORD, LabConfig, inventory
from tests.support.mariadb import free_port

GROUP_PORT = 4567


@dataclass
class GaleraCluster:
    cfg: LabConfig
    ctx: Context
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def addr(self, host: str) -> str:
        return self.cfg.db_addr(int(host[-1]) + 10)

    def url(self, database: str, host: str | None = None) -> str:
        """``host`` None: through HAProxy (single writer); else that node directly."""
        where = self.cfg.db_vip if host is None else self.addr(host)
        return f"mysql+pymysql://root:{LAB_ROOT_PASSWORD}@{where}:3306/{database}"

    def node_urls(self, database: str) -> list[str]:
        return [self.url(database, h) for h in DB_NODES]

    def vip_url(self, database: str) -> str:
        return self.url(database)

    def create_database(self) -> str:
        name = f"g_{uuid.uuid4().hex[:10]}"
        mariadb.sql(self.cfg, DB_NODES[0], f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        return name

    def drop_database(self, name: str) -> None:
        mariadb.sql(self.cfg, DB_NODES[0], f"DROP DATABASE IF EXISTS `{name}`", timeout=60)

    def status(self, host: str) -> dict[str, str]:
        return mariadb.wsrep(self.cfg, host)

    def conflicts(self) -> int:
        """Certification failures and brute-force aborts so far, over all nodes."""
        total = 0
        for host in DB_NODES:
            st = self.status(host)
            total += int(st.get("wsrep_local_cert_failures", 0))
            total += int(st.get("wsrep_local_bf_aborts", 0))
        return total

    def haproxy_writer(self) -> str:
        """Which node HAProxy's DB VIP sends this connection to."""
        try:
            conn = pymysql.connect(
                host=self.cfg.db_vip,
                port=3306,
                user="root",
                password=LAB_ROOT_PASSWORD,
                connect_timeout=2,
            )
        except pymysql.err.OperationalError:
            return ""

        with conn, conn.cursor() as cur:
            cur.execute("SELECT @@wsrep_node_name")
            row = cur.fetchone()
            assert row is not None
            return str(row[0])

    # -- lifecycle -----------------------------------------------------------
    def _start_node(self, host: str, *, new_cluster: bool = False) -> None:
        addr = self.addr(host)
        argv = [
            "mariadbd",
            f"--defaults-file={mariadb.cnf(self.cfg, host)}",
            f"--user={mariadb.USER}",
            # The rendered options, bound to this node's own loopback address.
            f"--wsrep-provider-options={provider_options(self.ctx)}; "
            f"gmcast.listen_addr=tcp://{addr}:{GROUP_PORT}; ist.recv_addr={addr}:{free_port()}",
            f"--wsrep-sst-receive-address={addr}:{free_port()}",
            "--innodb-buffer-pool-size=48M",
            "--performance-schema=0",
        ]
        if new_cluster:
            argv.append("--wsrep-new-cluster")
        log = self.cfg.host_dir(host) / "log" / "mariadbd.out"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.procs[host] = subprocess.Popen(argv, stdout=out, stderr=out)
        # Where the lab's wait_synced looks for the process.
        mariadb.pidfile(self.cfg, host).write_text(str(self.procs[host].pid))
        took = mariadb.wait_synced(self.cfg, host, timeout=120)
        print(f"{host} synced after {took:.1f}s")

    def _start_helpers(self) -> None:
        for host in DB_NODES:
            # The rendered unit's bind/port/socket, served by the same function
            # without the CLI around it: `cumulo` alone takes seconds to import
            # on a busy machine, and HAProxy gives a check 2 s.
            argv = clustercheck_argv(self.ctx, host)
            opt = dict(zip(argv[3::2], argv[4::2], strict=True))
            code = (
                "from cumulo.cluster.clustercheck import serve; "
                f"serve({opt['--bind']!r}, {opt['--port']}, {opt['--mysql-socket']!r}, "
                "'localhost', 'root', '')"
            )
            self._spawn(f"check-{host}", [sys.executable, "-c", code])
        run = self.cfg.host_dir("lb1") / "run"
        run.mkdir(parents=True, exist_ok=True)
        self._spawn("haproxy", ["haproxy", "-db", "-f", str(self.cfg.rendered / "lb1/haproxy.cfg")])
        # HAProxy starts with its servers UP and learns otherwise from the
        # first checks: wait for a real session through the VIP instead.
        lab.wait(
            lambda: self.haproxy_writer() == DB_NODES[0],
            120,  # the clustercheck CLI alone can take 15 s to start on a busy machine
            "HAProxy's DB VIP does not reach the Galera writer (clustercheck)",
        )

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.cfg.state_dir / f"{name}.log"
        with log.open("ab") as out:
            self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=out)

    def start(self) -> GaleraCluster:
        write(render_all(self.ctx.inv, self.ctx.secrets, self.cfg.layout), self.cfg.rendered)
        for host in DB_NODES:
            mariadb.install(self.cfg, host)
        first, *others = DB_NODES
        self._start_node(first, new_cluster=True)
        mariadb.create_lab_users(self.cfg, first)
        for host in others:  # one at a time: each join is an SST
            self._start_node(host)
        self._start_helpers()
        return self

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


# This cluster is for concurrency, not failover: timers that a machine
# running several suites at once does not trip (a check answered in over 2 s
# would make HAProxy cut every session; a 2 s Galera suspicion would split
# the cluster). The failover timers are tested by the lab (tests/test_lab.py).
PATIENT_TIMERS = Timers(
    check_fall=5, evs_keepalive_period=1, evs_suspect_timeout=5, evs_inactive_timeout=15
)


def _context(cfg: LabConfig) -> Context:
    inv = inventory(cfg).model_copy(update={"timers": PATIENT_TIMERS})
    return Context(inv, load_or_create(cfg.state_dir / "secrets.toml"), cfg.layout)


@contextmanager
def galera_cluster() -> Iterator[GaleraCluster]:
    """Three synced Galera nodes and HAProxy on a random 127.N loopback block."""
    missing = [p for p in ("mariadb-server", "galera-4", "haproxy") if p in lab.missing_packages()]
    if missing:
        raise RuntimeError(f"install {' '.join(missing)} (scripts/test-deps.sh)")
    # Not under pytest's tmp_path: that is root-only and mariadbd runs as mysql.
    base = Path(tempfile.mkdtemp(prefix="cumulo-galera-"))
    base.chmod(0o755)
    cfg = LabConfig(state_dir=base, prefix="unused", net=f"127.{random.randint(100, 250)}")
    cluster = GaleraCluster(cfg, _context(cfg))
    try:
        started = time.monotonic()
        cluster.start()
        print(f"\ngalera cluster up in {time.monotonic() - started:.1f}s on {cfg.net}.2.x")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
