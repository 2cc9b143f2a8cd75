"""Each management node's cumulo.toml, reaching the database through the DB VIP."""

from __future__ import annotations

from urllib.parse import quote

from cumulo.cluster.inventory import ManagementNode, Timers
from cumulo.cluster.render.base import Artefact, Context


def render(ctx: Context) -> list[Artefact]:
    return [
        Artefact(f"{m.name}/cumulo.toml", config(ctx, m), 0o600, "/etc/cumulo/cumulo.toml")
        for m in ctx.inv.management
    ]


def database_url(ctx: Context, host: str | None = None) -> str:
    inv = ctx.inv
    db = inv.database
    target = host or str(inv.vips["db"].address)
    password = quote(ctx.secrets["db_password"], safe="")
    return f"mysql://{db.user}:{password}@{target}:{db.port}/{db.name}"


def config(ctx: Context, m: ManagementNode) -> str:
    inv, t = ctx.inv, ctx.inv.timers
    lay = ctx.layout_for(m.name)
    lines = [
        "# Rendered by `cumulo cluster render`; edit the inventory, not this file.",
        "# Every manager uses the DB VIP: HAProxy sends all of them to the one writer.",
        f'database_url = "{database_url(ctx)}"',
        f"database_pool_size = {inv.database.pool_size}",
        f'node_name = "{m.name}"',
        f'service_ip = "{ctx.web_addr(m)}"',
        f'host = "{ctx.web_addr(m)}"',
        f"port = {inv.web.http_port}",
        f'data_dir = "{lay.cumulo_data_dir}"',
        "# The same key on every manager (copy it from the first one).",
        f'cluster_key_file = "{lay.cumulo_key}"',
        f"heartbeat_interval = {t.heartbeat_interval}",
        f"heartbeat_threshold = {t.heartbeat_threshold}",
        "# After SIGTERM: /readyz 503 while still serving, until HAProxy has marked",
        "# this node down (fall checks at fastinter after the first failing inter) + one spare.",
        f"drain_listen_seconds = {drain_listen_seconds(t)}",
    ]
    return "\n".join(lines) + "\n"


def drain_listen_seconds(t: Timers) -> float:
    """How long a draining node must keep its port open for HAProxy to notice."""
    worst_ms = t.check_inter_ms + (t.check_fall - 1) * t.check_fastinter_ms + t.check_inter_ms
    return round(worst_ms / 1000 + 1.0, 1)
