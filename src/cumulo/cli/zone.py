"""``cumulo zone deploy FILE``: build zones through the API (Marvin's order)."""

from __future__ import annotations

import click

from cumulo.tools.zone_deploy import CloudStackClient, Deployer, DeployError, SpecError, load_spec

DEFAULT_URL = "http://127.0.0.1:8080/client/api"


@click.group()
def zone() -> None:
    """Zones, pods, clusters, hosts and storage from a definition file."""


@zone.command("deploy")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--url", default=DEFAULT_URL, show_default=True, help="API endpoint")
@click.option("--apikey", envvar="CLOUDSTACK_KEY", help="API key (or $CLOUDSTACK_KEY)")
@click.option("--secretkey", envvar="CLOUDSTACK_SECRET", help="secret key (or $CLOUDSTACK_SECRET)")
@click.option(
    "--user", "username", help="take this root-domain user's keys from the local database"
)
@click.option("--config", type=click.Path(dir_okay=False), help="TOML configuration (with --user)")
@click.option("--quiet", is_flag=True, help="print only the summary")
def deploy(
    file: str,
    url: str,
    apikey: str | None,
    secretkey: str | None,
    username: str | None,
    config: str | None,
    quiet: bool,
) -> None:
    """Deploy the zones in FILE (CloudStack .cfg JSON or cumulo TOML); safe to re-run."""
    try:
        spec = load_spec(file)
    except SpecError as err:
        raise click.ClickException(str(err)) from None
    if username:
        apikey, secretkey = local_keys(config, username)
    if not apikey or not secretkey:
        raise click.ClickException("give --apikey and --secretkey, or --user to read them locally")
    deployer = Deployer(
        CloudStackClient(url, apikey, secretkey), log=(lambda _m: None) if quiet else click.echo
    )
    try:
        deployer.deploy(spec)
    except DeployError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"done: {deployer.created} created, {deployer.reused} already present")


def local_keys(config: str | None, username: str) -> tuple[str, str]:
    """A user's API keys from this machine's database (created if it has none)."""
    from cumulo.cli.context import load_settings
    from cumulo.errors import CumuloError
    from cumulo.runtime import Runtime
    from cumulo.services.admin_keys import user_keys

    rt = Runtime.open(load_settings(config))
    try:
        return rt.db.run(lambda s: user_keys(s, rt.secrets, username, "/"))
    except CumuloError as err:
        raise click.ClickException(str(err)) from None
    finally:
        rt.close()
