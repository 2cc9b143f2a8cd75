"""MariaDB Galera: one my.cnf fragment per data node."""

from __future__ import annotations

from cumulo.cluster.inventory import Host
from cumulo.cluster.render.base import Artefact, Context, iso_duration


def render(ctx: Context) -> list[Artefact]:
    return [
        Artefact(
            f"{n.name}/60-galera.cnf",
            config(ctx, n),
            0o644,
            "/etc/mysql/mariadb.conf.d/60-galera.cnf",
        )
        for n in ctx.inv.galera_nodes
    ]


def provider_options(ctx: Context) -> str:
    t, db = ctx.inv.timers, ctx.inv.database
    # Shorter evs timers than Galera's PT5S/PT15S: a dead node leaves the
    # primary component in ~2 s instead of ~6 s (measured in ha-lab).
    return "; ".join(
        [
            f"gcache.size={db.gcache_size}",
            f"evs.keepalive_period={iso_duration(t.evs_keepalive_period)}",
            f"evs.suspect_timeout={iso_duration(t.evs_suspect_timeout)}",
            f"evs.inactive_timeout={iso_duration(t.evs_inactive_timeout)}",
            f"evs.inactive_check_period={iso_duration(t.evs_inactive_check_period)}",
        ]
    )


def cluster_address(ctx: Context) -> str:
    return "gcomm://" + ",".join(ctx.db_addr(n) for n in ctx.inv.galera_nodes)


def config(ctx: Context, node: Host) -> str:
    inv, db = ctx.inv, ctx.inv.database
    lay = ctx.layout_for(node.name)
    lines = [
        "# Rendered by `cumulo cluster render`; edit the inventory, not this file.",
        "[mysqld]",
        f"bind-address = {ctx.db_addr(node)}",
        f"port = {db.port}",
        f"datadir = {lay.mysql_datadir}",
        f"socket = {lay.mysql_socket}",
        f"pid-file = {lay.mysql_pid}",
        f"log-error = {lay.mysql_log}",
        "skip-name-resolve",
        "binlog_format = ROW",
        "default_storage_engine = InnoDB",
        "innodb_autoinc_lock_mode = 2",
        "innodb_rollback_on_timeout = 1",
        f"innodb_lock_wait_timeout = {db.innodb_lock_wait_timeout}",
        f"innodb_buffer_pool_size = {db.innodb_buffer_pool_size}",
        "innodb_flush_log_at_trx_commit = 2",
        f"# {len(inv.management)} managers x (pool {db.pool_size} + overflow {db.pool_size}) + 50",
        f"max_connections = {inv.max_connections}",
        "character-set-server = utf8mb4",
        "collation-server = utf8mb4_unicode_ci",
        "",
        "[galera]",
        "wsrep_on = ON",
        f"wsrep_provider = {db.provider}",
        f'wsrep_cluster_name = "{db.cluster_name}"',
        f'wsrep_cluster_address = "{cluster_address(ctx)}"',
        f"wsrep_node_address = {ctx.db_addr(node)}",
        f"wsrep_node_name = {node.name}",
        f"wsrep_sst_method = {db.sst_method}",
        f'wsrep_provider_options = "{provider_options(ctx)}"',
    ]
    return "\n".join(lines) + "\n"
