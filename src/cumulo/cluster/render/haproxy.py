"""HAProxy: web (8080/8443, /readyz), agents (8250), one-writer Galera (3306), stats."""

from __future__ import annotations

from cumulo.cluster.inventory import LoadBalancer
from cumulo.cluster.render.base import Artefact, Context


def render(ctx: Context) -> list[Artefact]:
    return [
        Artefact(f"{lb.name}/haproxy.cfg", config(ctx, lb), 0o640, "/etc/haproxy/haproxy.cfg")
        for lb in ctx.inv.load_balancers
    ]


def _check_defaults(ctx: Context) -> str:
    t = ctx.inv.timers
    return (
        f"inter {t.check_inter_ms}ms fastinter {t.check_fastinter_ms}ms "
        f"rise {t.check_rise} fall {t.check_fall}"
    )


def config(ctx: Context, lb: LoadBalancer) -> str:
    inv, lay = ctx.inv, ctx.layout_for(lb.name)
    web_vip, db_vip = inv.vips["web"].address, inv.vips["db"].address
    w = inv.web
    out = [
        "# Rendered by `cumulo cluster render`; edit the inventory, not this file.",
        "global",
        f"    pidfile {lay.haproxy_pid}",
        f"    stats socket {lay.haproxy_socket} mode 600 level admin",
        "    maxconn 4096",
        "",
        "defaults",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout check 2s",
        "",
        "# The cumulo API. Only nodes whose /readyz answers 200 (database reachable,",
        "# not draining or fenced) get traffic; balance source keeps a client on one node.",
        "frontend web",
        "    mode http",
        f"    bind {web_vip}:{w.http_port}",
    ]
    if w.tls:
        out.append(f"    bind {web_vip}:{w.https_port} ssl crt {w.tls_certificate}")
    out += [
        "    option forwardfor",
        "    default_backend cumulo_web",
        "",
        "backend cumulo_web",
        "    mode http",
        "    balance source",
        "    # Consistent hashing: a redispatched retry avoids the server that refused",
        "    # (with the default map-based hash it would pick the same node again).",
        "    hash-type consistent",
        "    option httpchk GET /readyz",
        "    http-check expect status 200",
        "    # Retried on another node, never replayed otherwise: a refused connection",
        "    # (node killed, or closing its port) was never seen by a node, and a 503 is",
        "    # cumulo's answer of a draining node before it applies anything (async",
        "    # commands are refused until HAProxy's check takes the node out).",
        "    retries 2",
        "    option redispatch 1",
        "    retry-on conn-failure 503",
        "    # No shutdown-sessions: a draining node (/readyz 503) finishes what it has;",
        "    # it keeps its port open drain_listen_seconds (cumulo.toml) for these checks.",
        f"    default-server {_check_defaults(ctx)}",
    ]
    out += [f"    server {m.name} {ctx.web_addr(m)}:{w.http_port} check" for m in inv.management]
    out += [
        "",
        "# System VM and host agents: long-lived TCP sessions.",
        "listen agents",
        "    mode tcp",
        f"    bind {web_vip}:{w.agent_port}",
        "    balance source",
        "    timeout client 10m",
        "    timeout server 10m",
        f"    default-server {_check_defaults(ctx)}",
    ]
    out += [f"    server {m.name} {ctx.web_addr(m)}:{w.agent_port} check" for m in inv.management]
    out += ["", *_galera(ctx, str(db_vip)), "", *_stats(ctx, lb)]
    return "\n".join(out) + "\n"


def _galera(ctx: Context, db_vip: str) -> list[str]:
    inv = ctx.inv
    writer = inv.writer
    out = [
        "# One writer, the others backup: cumulo's transactions must not certify",
        "# against each other on two nodes. The HTTP clustercheck answers 200 only",
        "# when wsrep_local_state=4 (Synced) and wsrep_ready=ON; a plain mysql-check",
        "# passes on a node that is still joining and would get writes it refuses.",
        "listen galera",
        "    mode tcp",
        f"    bind {db_vip}:{inv.database.port}",
        "    option tcpka",
        "    timeout client 30m",
        "    timeout server 30m",
        "    option httpchk GET /",
        "    http-check expect status 200",
        f"    default-server port {inv.database.clustercheck_port} {_check_defaults(ctx)} "
        "on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions",
    ]
    for node in [writer] + [n for n in inv.galera_nodes if n.name != writer.name]:
        backup = "" if node.name == writer.name else " backup"
        out.append(f"    server {node.name} {ctx.db_addr(node)}:{inv.database.port} check{backup}")
    return out


def _stats(ctx: Context, lb: LoadBalancer) -> list[str]:
    port = ctx.inv.web.stats_port
    vips = [ctx.inv.vips["web"].address, ctx.inv.vips["db"].address]
    return [
        "# Also on the VIPs: whoever answers there holds the VIP (X-Cumulo-LB says who);",
        "# `cumulo doctor` reads both.",
        "listen stats",
        "    mode http",
        f"    bind {ctx.web_addr(lb)}:{port}",
        *[f"    bind {vip}:{port}" for vip in vips],
        "    stats enable",
        "    stats uri /stats",
        "    stats refresh 5s",
        f"    stats auth admin:{ctx.secrets['stats_password']}",
        f"    http-after-response set-header X-Cumulo-LB {lb.name}",
    ]
