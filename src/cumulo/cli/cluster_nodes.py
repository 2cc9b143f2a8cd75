"""``cumulo cluster list|drain``: see the management servers and drain one, without the API.

Draining writes the node's state in the database; the node follows at its
next heartbeat, exactly as with prepareForShutdown / triggerShutdown.
"""

from __future__ import annotations

import click
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.cli.context import load_settings
from cumulo.cluster import membership as ms
from cumulo.db.models.cluster import ManagementServer
from cumulo.jobs.leases import pending_count
from cumulo.runtime import Runtime

config_option = click.option(
    "--config", type=click.Path(dir_okay=False), help="TOML configuration file"
)


@click.command("list")
@config_option
def list_nodes(config: str | None) -> None:
    """One line per node: name, state, version, address, running jobs."""
    rt = Runtime.open(load_settings(config))

    def work(s: Session) -> list[tuple[ManagementServer, int]]:
        rows = s.execute(
            select(ManagementServer)
            .where(ManagementServer.removed.is_(None))
            .order_by(ManagementServer.name)
        ).scalars()
        return [(r, pending_count(s, r.msid)) for r in rows]

    for row, jobs in rt.db.run(work, write=False):
        click.echo(
            f"{row.name:24} {row.state:22} {row.version:10} "
            f"{row.service_ip}:{row.service_port:<6} jobs={jobs}"
        )
    rt.close()


@click.command("drain")
@config_option
@click.option("--node", "name", help="node name (default: this host's node name)")
@click.option("--shutdown", is_flag=True, help="exit once drained (triggerShutdown)")
@click.option("--cancel", is_flag=True, help="accept jobs again (cancelShutdown)")
def drain(config: str | None, name: str | None, shutdown: bool, cancel: bool) -> None:
    """Stop a node taking new jobs; running jobs finish."""
    settings = load_settings(config)
    node = name or settings.node_name
    if cancel:
        allowed, target = (ms.PREPARING, ms.READY, ms.SHUTTING_DOWN), ms.UP
    else:
        target = ms.SHUTTING_DOWN if shutdown else ms.PREPARING
        allowed = (ms.UP, ms.PREPARING, ms.READY)
    rt = Runtime.open(settings)

    def work(s: Session) -> int:
        res = s.execute(
            update(ManagementServer)
            .where(
                ManagementServer.name == node,
                ManagementServer.removed.is_(None),
                ManagementServer.state.in_(allowed),
            )
            .values(state=target)
        )
        return int(res.rowcount)  # type: ignore[attr-defined]

    changed = rt.db.run(work)
    rt.close()
    if not changed:
        raise click.ClickException(
            f"no node named {node} in state {' or '.join(allowed)}; see `cumulo cluster list`"
        )
    click.echo(f"{node}: {target}")
