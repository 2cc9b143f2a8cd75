"""``cumulo admin``: first admin, password resets, API keys."""

from __future__ import annotations

import json
import secrets as pysecrets

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType
from cumulo.cli.context import load_settings
from cumulo.db.models.account import Account, AccountType, User
from cumulo.db.models.domain import Domain
from cumulo.runtime import Runtime
from cumulo.services.keys import read_keys, register_keys
from cumulo.services.passwords import hash_password


def _open(config: str | None) -> Runtime:
    return Runtime.open(load_settings(config))


def _find_user(session: Session, username: str, domain_path: str) -> User:
    user = session.execute(
        select(User)
        .join(Domain, Domain.id == User.domain_id)
        .where(User.username == username, Domain.path == domain_path, User.removed.is_(None))
    ).scalar()
    if user is None:
        raise click.ClickException(f"no user {username!r} in domain {domain_path}")
    return user


config_option = click.option(
    "--config", type=click.Path(dir_okay=False), help="TOML configuration file"
)
domain_option = click.option(
    "--domain",
    "domain_path",
    default="/",
    show_default=True,
    help="domain path of the user, e.g. / or /sales/",
)


@click.group()
def admin() -> None:
    """Administrator accounts and credentials."""


@admin.command("create")
@config_option
@click.option("--username", required=True)
@click.option("--password", help="generated and printed when omitted")
@click.option("--email", default=None)
def create(config: str | None, username: str, password: str | None, email: str | None) -> None:
    """Create a root admin account and user in the ROOT domain."""
    rt = _open(config)
    password = password or pysecrets.token_urlsafe(18)

    def work(s: Session) -> None:
        if s.execute(
            select(User.id).where(
                User.username == username, User.domain_id == 1, User.removed.is_(None)
            )
        ).first():
            raise click.ClickException(f"user {username!r} already exists in ROOT")
        acct = Account(
            name=username,
            type=AccountType.ADMIN,
            domain_id=Domain.ROOT_ID,
            role_id=BUILTIN_ROLE_IDS[RoleType.ADMIN],
        )
        s.add(acct)
        s.flush()
        s.add(
            User(
                username=username,
                password=hash_password(password),
                account_id=acct.id,
                domain_id=Domain.ROOT_ID,
                email=email,
                firstname=username,
                lastname="admin",
            )
        )

    rt.db.run(work)
    click.echo(f"created root admin {username!r} with password: {password}")


@admin.command("reset-password")
@config_option
@click.option("--user", "username", required=True)
@domain_option
@click.option("--password", help="generated and printed when omitted")
def reset_password(
    config: str | None, username: str, domain_path: str, password: str | None
) -> None:
    """Set a user's password (and re-enable a user locked by failed logins)."""
    rt = _open(config)
    password = password or pysecrets.token_urlsafe(18)

    def work(s: Session) -> None:
        user = _find_user(s, username, domain_path)
        user.password = hash_password(password)
        user.login_attempts = 0
        if user.state == "disabled":
            user.state = "enabled"

    rt.db.run(work)
    click.echo(f"new password for {username}: {password}")


@admin.command("keys")
@config_option
@click.option("--user", "username", required=True)
@domain_option
@click.option("--regenerate", is_flag=True, help="replace the existing key pair")
@click.option("--json", "as_json", is_flag=True, help='print {"apikey": …, "secretkey": …}')
def keys(
    config: str | None, username: str, domain_path: str, regenerate: bool, as_json: bool
) -> None:
    """Print a user's API keys, creating them if it has none."""
    rt = _open(config)

    def work(s: Session) -> tuple[str | None, str | None]:
        user = _find_user(s, username, domain_path)
        if regenerate or not user.api_key or not user.secret_key:
            return register_keys(s, user, rt.secrets)
        return read_keys(user, rt.secrets)

    apikey, secretkey = rt.db.run(work)
    if as_json:
        click.echo(json.dumps({"apikey": apikey, "secretkey": secretkey}))
    else:
        click.echo(f"apikey:    {apikey}\nsecretkey: {secretkey}")
