"""``cumulo serve``: run a management server node."""

from __future__ import annotations

import logging
import os

import click
import uvicorn

from cumulo.cli.context import (
    deploy_schema,
    load_settings,
    print_credentials,
    schema_is_current,
)
from cumulo.cluster.node import NodeAgent
from cumulo.db.engine import is_sqlite
from cumulo.http.app import create_app
from cumulo.runtime import Runtime
from cumulo.services.bootstrap import bootstrap
from cumulo.services.regions import local_endpoint

log = logging.getLogger("cumulo")


@click.command()
@click.option("--config", type=click.Path(dir_okay=False), help="TOML configuration file")
@click.option("--host", help="bind address (default 127.0.0.1)")
@click.option("--port", type=int, help="HTTP port (default 8080)")
@click.option("--workers", type=int, help="HTTP worker processes (default 1)")
@click.option("--dev", is_flag=True, default=None, help="well-known admin password 'password'")
@click.option(
    "--demo", is_flag=True, help="after start-up, build a two-cluster simulator zone (idempotent)"
)
def serve(
    config: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    dev: bool | None,
    demo: bool,
) -> None:
    """Start a management server node on the configured database."""
    settings = load_settings(config, host=host, port=port, workers=workers, dev=dev)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    url = settings.effective_database_url
    if is_sqlite(url) and not settings.effective_cluster_key_file.exists():
        # The embedded default needs nothing: the first start sets everything up.
        _, creds = deploy_schema(settings)
        if creds:
            print_credentials(creds)
    rt = Runtime.open(settings)
    if not schema_is_current(rt):
        if is_sqlite(url):
            rt.close()
            deploy_schema(settings)
            rt = Runtime.open(settings)
        else:
            raise click.ClickException(
                "the database schema is missing or out of date; run `cumulo db deploy` first"
            )
    endpoint = local_endpoint(settings.service_ip, settings.port)
    creds = rt.db.run(lambda s: bootstrap(s, rt.secrets, dev=settings.dev, endpoint=endpoint))
    if creds:
        print_credentials(creds)
    agent = NodeAgent(rt)
    agent.start()
    if demo:
        from cumulo.tools.zone_deploy.demo import start_demo

        start_demo(rt, settings.host, settings.port)
    try:
        if settings.workers <= 1:
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(rt),
                    host=settings.host,
                    port=settings.port,
                    log_level=settings.log_level,
                    access_log=False,
                    lifespan="off",
                )
            )
            server.run()
        else:
            # Worker processes read the same settings from the environment.
            os.environ.update(
                {
                    "CUMULO_DATA_DIR": str(settings.data_dir),
                    "CUMULO_DATABASE_URL": url,
                    "CUMULO_NODE_NAME": settings.node_name,
                    "CUMULO_CLUSTER_KEY_FILE": str(settings.effective_cluster_key_file),
                }
            )
            uvicorn.run(
                "cumulo.http.app:worker_app",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=settings.workers,
                log_level=settings.log_level,
                access_log=False,
                lifespan="off",
            )
    finally:
        agent.stop()
        rt.close()
