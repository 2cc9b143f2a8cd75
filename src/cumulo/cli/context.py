"""Settings and runtime for CLI commands."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cumulo.db import migrate
from cumulo.db.migrate import deploy
from cumulo.runtime import Runtime
from cumulo.services.bootstrap import AdminCredentials, bootstrap, ensure_cluster_key
from cumulo.services.regions import local_endpoint
from cumulo.services.secrets import SecretBox
from cumulo.settings import Settings, get_settings


def load_settings(config: str | None, **overrides: object) -> Settings:
    if config:
        os.environ["CUMULO_CONFIG"] = config
    get_settings.cache_clear()
    base = get_settings()
    given = {k: v for k, v in overrides.items() if v is not None}
    settings = base.model_copy(update=given) if given else base
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def deploy_schema(settings: Settings) -> tuple[str, AdminCredentials | None]:
    """Create/upgrade the schema, make the cluster key, bootstrap an empty database."""
    key, _created = ensure_cluster_key(settings.effective_cluster_key_file)
    revision = deploy(settings.effective_database_url)
    rt = Runtime.open(settings)
    try:
        endpoint = local_endpoint(settings.service_ip, settings.port)
        creds = rt.db.run(
            lambda s: bootstrap(s, SecretBox(key), dev=settings.dev, endpoint=endpoint)
        )
    finally:
        rt.close()
    return revision, creds


def schema_is_current(rt: Runtime) -> bool:
    return migrate.schema_is_current(rt.db.engine)


def print_credentials(creds: AdminCredentials) -> None:
    click.echo("")
    click.echo("=" * 72)
    click.echo("First start: the admin user was created. These are shown only once.")
    click.echo(f"  username:  {creds.username}")
    click.echo(f"  password:  {creds.password}")
    click.echo(f"  apikey:    {creds.apikey}")
    click.echo(f"  secretkey: {creds.secretkey}")
    click.echo("Lost them? `cumulo admin reset-password --user admin` / `cumulo admin keys`.")
    click.echo("=" * 72)
    click.echo("")


def key_path(settings: Settings) -> Path:
    return settings.effective_cluster_key_file
