"""The Galera arbitrator: a vote without data, for two-data-node clusters."""

from __future__ import annotations

from cumulo.cluster.render.base import Artefact, Context, iso_duration


def render(ctx: Context) -> list[Artefact]:
    arb = ctx.inv.arbitrator
    if arb is None:
        return []
    t = ctx.inv.timers
    nodes = " ".join(f"{ctx.db_addr(n)}:4567" for n in ctx.inv.galera_nodes)
    # The arbitrator must use the same evs timers, or it suspects later than the data nodes.
    options = "; ".join(
        [
            f"evs.keepalive_period={iso_duration(t.evs_keepalive_period)}",
            f"evs.suspect_timeout={iso_duration(t.evs_suspect_timeout)}",
            f"evs.inactive_timeout={iso_duration(t.evs_inactive_timeout)}",
            f"gmcast.listen_addr=tcp://{ctx.db_addr(arb)}:4567",
        ]
    )
    text = (
        "# Rendered by `cumulo cluster render` (Debian package galera-arbitrator-4).\n"
        f'GALERA_NODES="{nodes}"\n'
        f'GALERA_GROUP="{ctx.inv.database.cluster_name}"\n'
        f'GALERA_OPTIONS="{options}"\n'
        'LOG_FILE="/var/log/garbd.log"\n'
    )
    return [Artefact(f"{arb.name}/garb", text, 0o644, "/etc/default/garb")]
