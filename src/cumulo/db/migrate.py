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

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from cumulo.db.engine import normalise_url

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
    from alembic import command

    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    return head_revision(url)


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
