"""``cumulo cluster``: render an HA deployment, set up its database, clustercheck, drain."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import click

from cumulo.cli.cluster_nodes import drain, list_nodes
from cumulo.cli.context import deploy_schema, print_credentials
from cumulo.cluster import clustercheck as clustercheck_mod
from cumulo.cluster.dbsetup import SetupError, Target, create_database_and_user, node_config
from cumulo.cluster.inventory import InventoryError, load_inventory, secrets_path
from cumulo.cluster.render import render_all, write
from cumulo.cluster.render.secrets import load_or_create
from cumulo.errors import CumuloError
from cumulo.settings import Settings


@click.group()
def cluster() -> None:
    """High-availability deployment: render configs, set up the database, drain nodes."""


cluster.add_command(list_nodes)
cluster.add_command(drain)


@cluster.command("render")
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="secrets file (default: next to the inventory, INVENTORY.secrets.toml)",
)
def render_cmd(inventory: Path, output: Path, secrets: Path | None) -> None:
    """Write HAProxy, Keepalived, Galera, garbd, Pacemaker, node and firewall files."""
    try:
        inv = load_inventory(inventory)
    except InventoryError as exc:
        raise click.ClickException(str(exc)) from None
    spath = secrets or secrets_path(inventory, inv)
    existed = spath.exists()
    values = load_or_create(spath)
    files = write(render_all(inv, values), output)
    click.echo(f"rendered {len(files)} files into {output} (see {output}/INSTALL.txt)")
    click.echo(f"secrets {'read from' if existed else 'generated in'} {spath}")


@cluster.command("clustercheck")
@click.option("--bind", default="0.0.0.0", show_default=True)
@click.option("--port", default=9200, show_default=True, type=int)
@click.option("--mysql-socket", default="/run/mysqld/mysqld.sock", show_default=True)
@click.option(
    "--mysql-host", default="localhost", show_default=True, help="used when --mysql-socket is empty"
)
@click.option("--mysql-user", default="root", show_default=True)
@click.option("--mysql-password", default="", envvar="CLUSTERCHECK_PASSWORD")
def clustercheck_cmd(
    bind: str, port: int, mysql_socket: str, mysql_host: str, mysql_user: str, mysql_password: str
) -> None:
    """Answer HTTP 200 while the local Galera node is Synced and ready, else 503."""
    logging.basicConfig(level=logging.INFO)
    clustercheck_mod.serve(bind, port, mysql_socket or None, mysql_host, mysql_user, mysql_password)


@cluster.command("setup-databases")
@click.argument("target", metavar="USER:PASSWORD@HOST[:PORT]")
@click.option(
    "--deploy-as",
    metavar="USER:PASSWORD",
    help="admin account that creates the database and user (first node only)",
)
@click.option("--database", default="cumulo", show_default=True)
@click.option(
    "--config-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("/etc/cumulo/cumulo.toml"),
    show_default=True,
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/var/lib/cumulo"),
    show_default=True,
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("/etc/cumulo/cluster.key"),
    show_default=True,
)
@click.option("--node-name", default=socket.gethostname, show_default="hostname")
@click.option(
    "--service-ip",
    default="127.0.0.1",
    show_default=True,
    help="this node's address (HAProxy's backend address)",
)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--force", is_flag=True, help="overwrite an existing, different config file")
def setup_databases_cmd(
    target: str,
    deploy_as: str | None,
    database: str,
    config_out: Path,
    data_dir: Path,
    key_file: Path,
    node_name: str,
    service_ip: str,
    port: int,
    force: bool,
) -> None:
    """Create the database, its user and schema; write this node's config and the key."""
    try:
        app = Target.parse(target, "target")
        url = app.url(database)
        text = node_config(
            url=url,
            node_name=node_name,
            service_ip=service_ip,
            data_dir=data_dir,
            key_file=key_file,
            port=port,
        )
        if config_out.exists() and config_out.read_text() != text and not force:
            raise SetupError(f"{config_out} exists with other content; pass --force to replace it")
        if deploy_as:
            user, sep, password = deploy_as.partition(":")
            if not sep:
                raise SetupError("--deploy-as: expected USER:PASSWORD")
            admin = Target(user, password, app.host, app.port)
            create_database_and_user(admin, app, database)
            settings = Settings(
                data_dir=data_dir,
                database_url=url,
                cluster_key_file=key_file,
                node_name=node_name,
                service_ip=service_ip,
            )
            data_dir.mkdir(parents=True, exist_ok=True)
            revision, creds = deploy_schema(settings)
            click.echo(
                f"database {database} on {app.host}:{app.port} at schema {revision}; "
                f"user {app.user} has rights on {database}.* only"
            )
            if creds:
                print_credentials(creds)
        elif not key_file.exists():
            click.echo(
                f"note: {key_file} is missing; copy the cluster key from the first "
                "management node before starting this one",
                err=True,
            )
        config_out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(config_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        click.echo(f"wrote {config_out}")
    except CumuloError as exc:
        raise click.ClickException(str(exc)) from None
