"""``cumulo lab``: the HA topology in network namespaces on this machine."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cumulo.lab import lab as lab_ops
from cumulo.lab import status as lab_status
from cumulo.lab.topology import DEFAULT_STATE, LabConfig

state_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="where the lab keeps its files, pids and logs",
)


@click.group()
def lab() -> None:
    """3 Galera/management nodes, 2 HAProxy+Keepalived LBs and a client, in namespaces."""


@lab.command("up")
@state_option
@click.option("--prefix", default="cl", show_default=True, help="namespace name prefix")
@click.option(
    "--net",
    default="10.78",
    show_default=True,
    help="first two octets: NET.1.0/24 is web, NET.2.0/24 is db",
)
def up_cmd(state_dir: Path, prefix: str, net: str) -> None:
    """Start the lab (needs root and the Debian packages it names)."""
    cfg = LabConfig(state_dir=state_dir, prefix=prefix, net=net)
    try:
        phases = lab_ops.up(cfg, say=lambda m: click.echo(m, err=True))
    except lab_ops.LabError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"phases": phases, "total": round(sum(phases.values()), 2)}))
    click.echo(f"web VIP http://{cfg.web_vip}:8080 (from `ip netns exec {cfg.ns('client')} ...`)")
    click.echo(f"admin credentials in {state_dir / 'admin.json'}")


@lab.command("status")
@state_option
@click.option("--json", "as_json", is_flag=True)
def status_cmd(state_dir: Path, as_json: bool) -> None:
    """Processes per namespace, VIP holders, wsrep state, HAProxy backends."""
    if not (state_dir / "lab.json").exists():
        raise click.ClickException(f"no lab in {state_dir}; start one with `cumulo lab up`")
    st = lab_status.collect(LabConfig.load(state_dir))
    click.echo(json.dumps(st, indent=2) if as_json else lab_status.format_text(st))


@lab.command("kill")
@state_option
@click.argument("node")
def kill_cmd(state_dir: Path, node: str) -> None:
    """kill -9 every process of NODE (db1..db3, lb1, lb2)."""
    try:
        killed = lab_ops.kill(LabConfig.load(state_dir), node)
    except lab_ops.LabError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"killed on {node}: {', '.join(killed) or 'nothing was running'}")


@lab.command("heal")
@state_option
@click.argument("node")
def heal_cmd(state_dir: Path, node: str) -> None:
    """Restart NODE's daemons (a Galera node rejoins by IST)."""
    try:
        took = lab_ops.heal(LabConfig.load(state_dir), node)
    except lab_ops.LabError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{node} back after {took:.2f}s")


@lab.command("down")
@state_option
def down_cmd(state_dir: Path) -> None:
    """Remove every process, namespace and file of the lab (idempotent)."""
    lab_ops.down(LabConfig.load(state_dir))
    click.echo("lab removed")
