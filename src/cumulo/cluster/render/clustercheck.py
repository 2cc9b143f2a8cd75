"""The Galera health endpoint HAProxy checks, as a systemd unit per data node."""

from __future__ import annotations

from cumulo.cluster.render.base import Artefact, Context


def command(ctx: Context, node_name: str) -> list[str]:
    node = next(n for n in ctx.inv.galera_nodes if n.name == node_name)
    lay = ctx.layout_for(node_name)
    return [
        lay.cumulo_bin,
        "cluster",
        "clustercheck",
        "--bind",
        ctx.db_addr(node),
        "--port",
        str(ctx.inv.database.clustercheck_port),
        "--mysql-socket",
        lay.mysql_socket,
    ]


def render(ctx: Context) -> list[Artefact]:
    out = []
    for n in ctx.inv.galera_nodes:
        unit = (
            "# Rendered by `cumulo cluster render`.\n"
            "[Unit]\n"
            "Description=cumulo Galera clustercheck (200 only when Synced and ready)\n"
            "After=mariadb.service\n\n"
            "[Service]\n"
            "# root reaches MariaDB through the unix socket without a password.\n"
            f"ExecStart={' '.join(command(ctx, n.name))}\n"
            "Restart=always\n"
            "RestartSec=1\n\n"
            "[Install]\n"
            "WantedBy=multi-user.target\n"
        )
        out.append(
            Artefact(
                f"{n.name}/cumulo-clustercheck.service",
                unit,
                0o644,
                "/etc/systemd/system/cumulo-clustercheck.service",
            )
        )
    for lb in ctx.inv.load_balancers:
        # HAProxy binds the VIPs on the BACKUP load balancer too.
        out.append(
            Artefact(
                f"{lb.name}/99-cumulo-lb.conf",
                "net.ipv4.ip_nonlocal_bind = 1\n",
                0o644,
                "/etc/sysctl.d/99-cumulo-lb.conf",
            )
        )
    return out
