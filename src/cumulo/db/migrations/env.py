"""Alembic environment: the models' metadata, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from cumulo.db import models  # noqa: F401  (load every table)
from cumulo.db.base import Base
from cumulo.db.engine import make_engine
from cumulo.db.keyword_index import include_name
from cumulo.db.migrate import ensure_utf8mb4

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name in ("mysql", "mariadb"):
            ensure_utf8mb4(connection)
        if connection.dialect.name == "sqlite":
            # Migrations manage their own transaction; undo the IMMEDIATE hook.
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
    _ = pool  # kept for Alembic's template compatibility


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `cumulo db deploy`")
run_migrations_online()
