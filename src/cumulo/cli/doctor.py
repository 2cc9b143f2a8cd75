"""``cumulo doctor``: check a running deployment and say how to fix what is wrong."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cumulo.cli.context import load_settings
from cumulo.cluster.inventory import InventoryError, load_inventory, secrets_path
from cumulo.cluster.render.secrets import load_or_create
from cumulo.doctor import database, topology
from cumulo.doctor.result import Finding, fail

MARK = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}


@click.command()
@click.option("--config", type=click.Path(dir_okay=False), help="this node's TOML configuration")
@click.option(
    "--inventory",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="also check Galera members, VIPs and HAProxy backends",
)
@click.option(
    "--secrets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="secrets file of the inventory (default: next to it)",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def doctor(config: str | None, inventory: Path | None, secrets: Path | None, as_json: bool) -> None:
    """Database, schema, cluster key, nodes, clocks (and with --inventory: Galera, VIPs, LBs)."""
    settings = load_settings(config)
    findings: list[Finding] = database.check_all(settings)
    if inventory is not None:
        try:
            inv = load_inventory(inventory)
        except InventoryError as exc:
            findings.append(fail("inventory", str(exc)))
        else:
            spath = secrets or secrets_path(inventory, inv)
            values = load_or_create(spath) if spath.exists() else {"stats_password": ""}
            findings.extend(topology.check_all(inv, values, settings.effective_database_url))
    failed = any(f.status == "fail" for f in findings)
    if as_json:
        click.echo(
            json.dumps({"ok": not failed, "findings": [f.as_dict() for f in findings]}, indent=2)
        )
    else:
        for f in findings:
            click.echo(f"{MARK[f.status]} {f.check}: {f.message}")
    sys.exit(1 if failed else 0)
