"""Checks that need the inventory: Galera members, VIP holders, HAProxy backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pymysql
from sqlalchemy.engine import make_url

from cumulo.cluster.haproxystats import parse_csv
from cumulo.cluster.inventory import Inventory
from cumulo.doctor.result import Finding, fail, ok, warn

MAX_SKEW_SECONDS = 1.0


def check_all(inv: Inventory, secrets: dict[str, str], database_url: str) -> list[Finding]:
    out: list[Finding] = []
    out.extend(galera(inv, database_url))
    out.extend(vips(inv, secrets))
    out.extend(backends(inv, secrets))
    return out


def galera(inv: Inventory, database_url: str) -> list[Finding]:
    """Ask every Galera node directly (the app user needs no privilege for SHOW STATUS)."""
    url = make_url(database_url)
    members = len(inv.galera_nodes) + (1 if inv.arbitrator else 0)
    out = []
    for node in inv.galera_nodes:
        addr = node.address(inv.db_net)
        check = f"galera {node.name}"
        try:
            conn = pymysql.connect(
                host=addr,
                port=inv.database.port,
                user=url.username,
                password=url.password or "",
                connect_timeout=2,
                read_timeout=3,
            )
            try:
                with conn.cursor() as cur:
                    cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_%'")
                    st = {k: v for k, v in cur.fetchall()}
                    t0 = time.time()
                    cur.execute("SELECT UTC_TIMESTAMP(6)")
                    (remote,) = cur.fetchone()
                    skew = abs(
                        datetime.fromtimestamp(t0, UTC).timestamp()
                        - remote.replace(tzinfo=UTC).timestamp()
                    )
            finally:
                conn.close()
        except pymysql.err.MySQLError as exc:
            out.append(
                fail(
                    check,
                    f"{addr}:{inv.database.port} unreachable ({exc.args[-1]}); "
                    "start MariaDB on it (a killed node rejoins by IST after "
                    "`galera_recovery`), or check the firewall for 3306.",
                )
            )
            continue
        out.append(_wsrep_finding(check, st, members))
        if skew > MAX_SKEW_SECONDS:
            out.append(
                fail(
                    f"clock {node.name}",
                    f"{skew:.1f}s off this node's clock; run chrony/NTP on every host.",
                )
            )
    return out


def _wsrep_finding(check: str, st: dict[str, str], members: int) -> Finding:
    state = st.get("wsrep_local_state_comment", "?")
    size = int(st.get("wsrep_cluster_size", "0") or 0)
    desc = (
        f"{state}, cluster size {size}/{members}, ready={st.get('wsrep_ready')}, "
        f"{st.get('wsrep_cluster_status')}"
    )
    if st.get("wsrep_cluster_status") != "Primary":
        return fail(
            check,
            f"{desc}: not in the primary component; it lost quorum. If every "
            "node is down, bootstrap the most advanced one with galera_new_cluster.",
        )
    if st.get("wsrep_local_state") != "4" or st.get("wsrep_ready") != "ON":
        return fail(
            check,
            f"{desc}: not Synced; it is joining or desynced, wait for IST/SST "
            "to finish (see its error log).",
        )
    if size < members:
        return warn(check, f"{desc}: {members - size} member(s) missing; start them.")
    return ok(check, desc)


def _stats(url: str, secrets: dict[str, str]) -> httpx.Response:
    return httpx.get(url, auth=("admin", secrets["stats_password"]), timeout=2)


def vips(inv: Inventory, secrets: dict[str, str]) -> list[Finding]:
    out = []
    for role, vip in inv.vips.items():
        url = f"http://{vip.address}:{inv.web.stats_port}/stats;csv"
        try:
            holder = _stats(url, secrets).headers.get("X-Cumulo-LB", "?")
        except httpx.HTTPError as exc:
            out.append(
                fail(
                    f"vip {role}",
                    f"{vip.address} does not answer ({exc.__class__.__name__}"
                    "); no load balancer holds it: check keepalived and haproxy on "
                    f"{', '.join(lb.name for lb in inv.load_balancers)}.",
                )
            )
            continue
        master = max(inv.load_balancers, key=lambda lb: lb.priority).name
        if holder == master:
            out.append(ok(f"vip {role}", f"{vip.address} held by {holder}"))
        else:
            out.append(
                warn(
                    f"vip {role}",
                    f"{vip.address} held by {holder}, not by {master}; "
                    f"{master} failed over: check its haproxy/keepalived.",
                )
            )
    return out


def backends(inv: Inventory, secrets: dict[str, str]) -> list[Finding]:
    out = []
    for lb in inv.load_balancers:
        url = f"http://{lb.address(inv.web_net)}:{inv.web.stats_port}/stats;csv"
        try:
            resp = _stats(url, secrets)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            out.append(
                fail(
                    f"haproxy {lb.name}",
                    f"stats page {url} unreachable "
                    f"({exc.__class__.__name__}); is haproxy running there?",
                )
            )
            continue
        down = [s for s in parse_csv(resp.text) if not s.up and s.proxy != "agents"]
        if down:
            names = ", ".join(
                f"{s.proxy}/{s.server} ({s.status}, {s.check or 'no check'})" for s in down
            )
            out.append(
                fail(
                    f"haproxy {lb.name}",
                    f"backends down: {names}. A cumulo node is "
                    "down when /readyz fails, a Galera node when clustercheck says "
                    "it is not Synced.",
                )
            )
        else:
            out.append(ok(f"haproxy {lb.name}", "every web and Galera backend is UP"))
    return out
