"""Each management node's cumulo.toml, reaching the database through the DB VIP."""

from __future__ import annotations

from urllib.parse import quote

from cumulo.cluster.inventory import ManagementNode
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
    ]
    return "\n".join(lines) + "\n"
