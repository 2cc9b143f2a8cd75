"""``cumulo db``: schema deployment."""

from __future__ import annotations

import click

from cumulo.cli.context import deploy_schema, load_settings, print_credentials


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("deploy")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML configuration file")
@click.option("--url", "database_url", help="database URL (default: CUMULO_DATABASE_URL)")
@click.option("--dev", is_flag=True, default=None, help="well-known admin password 'password'")
def deploy_cmd(config: str | None, database_url: str | None, dev: bool | None) -> None:
    """Create or upgrade the schema (idempotent) and bootstrap an empty database."""
    settings = load_settings(config, database_url=database_url, dev=dev)
    revision, creds = deploy_schema(settings)
    click.echo(f"schema at revision {revision} ({settings.effective_database_url.split('@')[-1]})")
    if creds:
        print_credentials(creds)
