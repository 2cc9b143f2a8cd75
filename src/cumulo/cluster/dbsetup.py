"""``setup-databases``: database, least-privilege user, schema, node config, key.

The equivalent of ``cloudstack-setup-databases cloud:pass@host --deploy-as=root:pass``.
Without deploy credentials only this node's config is written (second node).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pymysql

from cumulo.errors import CumuloError

_TARGET = re.compile(r"^(?P<user>[^:@]+):(?P<password>.*)@(?P<host>[^:@/]+)(:(?P<port>\d+))?$")
_IDENT = re.compile(r"^[A-Za-z0-9_]+$")


class SetupError(CumuloError):
    """The database cannot be set up as asked; the message says why."""


@dataclass(frozen=True)
class Target:
    user: str
    password: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, what: str) -> Target:
        m = _TARGET.match(text)
        if not m:
            raise SetupError(f"{what} {text!r}: expected USER:PASSWORD@HOST[:PORT]")
        return cls(m["user"], m["password"], m["host"], int(m["port"] or 3306))

    def url(self, database: str) -> str:
        return (
            f"mysql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{database}"
        )


def create_database_and_user(admin: Target, app: Target, database: str) -> None:
    """Create the schema and a user with rights on that schema only (idempotent)."""
    for ident, what in ((database, "database name"), (app.user, "user name")):
        if not _IDENT.match(ident):
            raise SetupError(f"{what} {ident!r}: use letters, digits and '_' only")
    try:
        conn = pymysql.connect(
            host=admin.host,
            port=admin.port,
            user=admin.user,
            password=admin.password,
            connect_timeout=5,
        )
    except pymysql.err.OperationalError as exc:
        raise SetupError(
            f"cannot connect as {admin.user} to {admin.host}:{admin.port}: {exc.args[-1]}; "
            "check --deploy-as (an account that may create databases and users, "
            "reachable from this host)"
        ) from None
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE DATABASE IF NOT EXISTS `{database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            cur.execute(
                "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (app.user, app.password)
            )
            # Re-running with a new password must update it, not keep the old one.
            cur.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (app.user, app.password))
            cur.execute(f"GRANT ALL PRIVILEGES ON `{database}`.* TO %s@'%%'", (app.user,))
        conn.commit()
    finally:
        conn.close()


def node_config(
    *,
    url: str,
    node_name: str,
    service_ip: str,
    data_dir: Path,
    key_file: Path,
    port: int = 8080,
) -> str:
    return (
        "# Written by `cumulo cluster setup-databases`.\n"
        f'database_url = "{url}"\n'
        f'node_name = "{node_name}"\n'
        f'service_ip = "{service_ip}"\n'
        f'host = "{service_ip}"\n'
        f"port = {port}\n"
        f'data_dir = "{data_dir}"\n'
        f'cluster_key_file = "{key_file}"\n'
    )
