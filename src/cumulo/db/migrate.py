"""Schema deployment through Alembic, for SQLite and MariaDB alike.

Alembic (with Mako and Pygments) is imported only by the functions that
deploy or compare: checking that a schema is current at every server start
reads the version table and the migration files directly
(``schema_is_current``), which keeps Alembic out of the start-up path.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)
from sqlalchemy.exc import DBAPIError

from cumulo.db.engine import make_engine, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def deploy(url: str) -> str:
    """Create or upgrade the schema to the newest revision; idempotent."""
    if deploy_fresh(url):
        return file_head_revision()
    return alembic_upgrade(url)


def alembic_upgrade(url: str) -> str:
    """``alembic upgrade head``: every migration the database has not seen yet."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    return head_revision(url)


# Alembic's own version table (alembic.ddl.impl.DefaultImpl.version_table_impl).
_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def deploy_fresh(url: str) -> bool:
    """On a database without any table: create the models' schema and stamp the head.

    What ``alembic upgrade head`` ends with, in a fraction of the time (no
    Alembic import, no migration files, one transaction on SQLite): the
    models are the head schema (tests/test_schema.py holds both to that).
    Returns False, touching nothing, when any table exists: then Alembic
    upgrades.
    """
    from cumulo.db import keyword_index, models  # noqa: F401  (load every table)
    from cumulo.db.base import Base

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            if conn.dialect.name in ("mysql", "mariadb"):
                ensure_utf8mb4(conn)
            with conn.begin():  # BEGIN IMMEDIATE on SQLite: one deployer at a time
                if inspect(conn).get_table_names():
                    return False
                Base.metadata.create_all(conn, checkfirst=False)
                # What the baseline migration adds beyond the models (SQLite only).
                keyword_index.create(conn)
                _VERSION_TABLE.create(conn)
                conn.execute(_VERSION_TABLE.insert().values(version_num=file_head_revision()))
        return True
    finally:
        engine.dispose()


def ensure_utf8mb4(connection: Connection) -> None:
    """Tables take the database's default charset: make it utf8mb4 before creating any.

    A database created with the server default (often latin1) would otherwise
    turn every non-Latin name into '?'.
    """
    charset = connection.exec_driver_sql("SELECT @@character_set_database").scalar()
    if charset != "utf8mb4":
        name = connection.exec_driver_sql("SELECT DATABASE()").scalar()
        quoted = connection.dialect.identifier_preparer.quote_identifier(str(name))
        connection.exec_driver_sql(
            f"ALTER DATABASE {quoted} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        )
    connection.commit()


def head_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    return head or ""


def current_revision(engine: object) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:  # type: ignore[attr-defined]
        return MigrationContext.configure(conn).get_current_revision()


def schema_is_current(engine: Engine) -> bool:
    """The deployed revision is the newest migration's (what Alembic would say, without it)."""
    return stored_revision(engine) == file_head_revision()


@lru_cache(maxsize=1)
def file_head_revision() -> str:
    """The head revision, read from the migration files' ``revision`` /
    ``down_revision`` assignments: the one revision no other revises."""
    revisions: dict[str, object] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _assignments(path)
        if "revision" in found:
            revisions[str(found["revision"])] = found.get("down_revision")
    revised: set[str] = set()
    for down in revisions.values():
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):  # a merge revision
            revised.update(str(d) for d in down)
    heads = [r for r in revisions if r not in revised]
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads[0]


# ``revision: str = '0002_x'`` / ``down_revision = None`` at the top of a migration.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def _assignments(path: Path) -> dict[str, object]:
    """Module-level ``revision`` and ``down_revision`` literals of a migration file.

    Only the header, before the first function: the baseline's body is the
    whole schema, and parsing it cost more than Alembic's own lookup.
    """
    header = path.read_text().split("\ndef ", 1)[0]
    return {name: ast.literal_eval(value) for name, value in _ASSIGNMENT.findall(header)}


def stored_revision(engine: Engine) -> str | None:
    """``alembic_version.version_num``; None when nothing is deployed."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None  # no version table: an empty database
    if len(rows) != 1:
        return None  # none, or several heads: not the single head we ship
    return str(rows[0][0])


def schema_drift(engine: object) -> list[object]:
    """Differences between the models and the deployed schema (empty = in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from cumulo.db import models  # noqa: F401  (load every table)
    from cumulo.db.base import Base
    from cumulo.db.keyword_index import include_name

    with engine.connect() as conn:  # type: ignore[attr-defined]
        opts = {"compare_type": True, "include_name": include_name}
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, Base.metadata))
