"""Schema deployment through Alembic, for SQLite and MariaDB alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from cumulo.db.engine import normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def deploy(url: str) -> str:
    """Create or upgrade the schema to the newest revision; idempotent."""
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    return head_revision(url)


def head_revision(url: str) -> str:
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    return head or ""


def current_revision(engine: object) -> str | None:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return MigrationContext.configure(conn).get_current_revision()


def schema_drift(engine: object) -> list[object]:
    """Differences between the models and the deployed schema (empty = in sync)."""
    from cumulo.db import models  # noqa: F401  (load every table)
    from cumulo.db.base import Base

    with engine.connect() as conn:  # type: ignore[attr-defined]
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
