"""An empty database gets its schema without Alembic: the same schema Alembic makes.

``deploy`` creates the models' tables and stamps the head revision directly
when the database has no table (the first start's fast path); Alembic then
finds nothing to do. Compared on SQLite and MariaDB: every table's columns
(type, nullability, default), primary key, indexes, unique constraints,
foreign keys and (MariaDB) table options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from cumulo.db.engine import make_engine
from cumulo.db.migrate import (
    alembic_upgrade,
    deploy,
    deploy_fresh,
    file_head_revision,
    schema_drift,
    stored_revision,
)
from tests.support.mariadb import MariaDB


def _shape(url: str) -> dict[str, object]:
    """Everything the inspector sees of the deployed schema, order-free."""
    engine = make_engine(url, pool_size=1)
    try:
        insp = inspect(engine)
        out: dict[str, object] = {}
        for table in sorted(insp.get_table_names()):
            columns = [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in insp.get_columns(table)
            ]
            pk = insp.get_pk_constraint(table)
            out[table] = {
                "columns": columns,
                "pk": (pk.get("name"), tuple(pk["constrained_columns"])),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                ),
                "fks": sorted(
                    (f["name"] or "", tuple(f["constrained_columns"]), f["referred_table"])
                    for f in insp.get_foreign_keys(table)
                ),
                "options": sorted(insp.get_table_options(table).items()),
            }
        if engine.dialect.name == "sqlite":
            # Triggers are invisible to the inspector; the keyword indexes depend on them.
            with engine.connect() as conn:
                out["triggers"] = sorted(
                    conn.exec_driver_sql(
                        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                    ).all()
                )
        return out
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "mariadb"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of URLs of new, empty databases on the parametrised backend."""
    if request.param == "sqlite":
        names = iter(range(100))
        yield lambda: f"sqlite:///{tmp_path / f'db{next(names)}.db'}"
        return
    server: MariaDB = request.getfixturevalue("mariadb")
    made: list[str] = []

    def new() -> str:
        made.append(server.create_database())
        return server.url(made[-1])

    try:
        yield new
    finally:
        for name in made:
            server.drop_database(name)


def test_fresh_deploy_is_what_alembic_makes(empty_url: Callable[[], str]) -> None:
    fast, slow = empty_url(), empty_url()
    assert deploy_fresh(fast)
    alembic_upgrade(slow)
    head = file_head_revision()
    fast_shape = _shape(fast)
    assert len(fast_shape) > 50  # the whole schema, not an empty comparison
    assert fast_shape == _shape(slow)
    for url in (fast, slow):
        engine = make_engine(url, pool_size=1)
        try:
            assert stored_revision(engine) == head
            assert schema_drift(engine) == []
        finally:
            engine.dispose()

    # A deployed database is left to Alembic, which has nothing to do.
    assert not deploy_fresh(fast)
    assert deploy(fast) == head
    assert _shape(fast) == fast_shape


def test_fresh_path_leaves_a_non_empty_database_to_alembic(
    empty_url: Callable[[], str],
) -> None:
    url = empty_url()
    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
        assert not deploy_fresh(url)
        assert set(inspect(engine).get_table_names()) == {"stray"}  # nothing created
    finally:
        engine.dispose()
