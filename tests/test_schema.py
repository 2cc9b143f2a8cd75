"""The deployed schema is exactly the models, deploys twice, and keeps the Galera rules."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from cumulo.db import (
    keyword_index,
    models,  # noqa: F401  (every table)
)
from cumulo.db.base import Base
from cumulo.db.migrate import (
    current_revision,
    file_head_revision,
    head_revision,
    schema_drift,
    schema_is_current,
)

SRC = Path(__file__).resolve().parents[1] / "src"


def _deploy(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``cumulo db deploy`` as an operator runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "cumulo.cli.main", "db", "deploy"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("CUMULO_")},
            "CUMULO_DATA_DIR": str(data_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh SQLite database after one ``cumulo db deploy``."""
    data_dir = tmp_path_factory.mktemp("schema")
    first = _deploy(data_dir)
    assert first.returncode == 0, first.stderr
    assert "apikey:" in first.stdout  # the empty database was bootstrapped
    return data_dir


def test_deploy_matches_models_and_is_idempotent(deployed: Path) -> None:
    tmp_path = deployed
    url = f"sqlite:///{tmp_path / 'cumulo.db'}"
    engine = create_engine(url)
    try:
        assert schema_drift(engine) == []
        assert current_revision(engine) == head_revision(url)
        tables_before = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

    second = _deploy(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "apikey:" not in second.stdout  # nothing bootstrapped twice
    engine = create_engine(url)
    try:
        assert schema_drift(engine) == []
        assert set(inspect(engine).get_table_names()) == tables_before
        with engine.connect() as conn:
            admins = conn.exec_driver_sql("SELECT count(*) FROM user WHERE username='admin'")
            assert admins.scalar_one() == 1
    finally:
        engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables_before


def test_start_up_schema_check_agrees_with_alembic(deployed: Path, tmp_path: Path) -> None:
    """The server's check (no Alembic) says current exactly when Alembic's revisions match."""
    url = f"sqlite:///{deployed / 'cumulo.db'}"
    assert file_head_revision() == head_revision(url)
    engine = create_engine(url)
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert schema_is_current(engine)
        assert not schema_is_current(empty)  # no alembic_version table at all
        with empty.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000_older')")
        assert current_revision(empty) != head_revision(url)
        assert not schema_is_current(empty)
    finally:
        engine.dispose()
        empty.dispose()


def test_every_table_has_a_primary_key(deployed: Path) -> None:
    without = [t.name for t in Base.metadata.sorted_tables if not t.primary_key.columns]
    assert not without, f"tables without a primary key (Galera needs one): {without}"
    engine = create_engine(f"sqlite:///{deployed / 'cumulo.db'}")
    try:
        insp = inspect(engine)
        deployed = [
            t
            for t in insp.get_table_names()
            # SQLite's FTS5 keyword indexes are virtual tables, never on Galera.
            if keyword_index.include_name(t, "table")
            and not insp.get_pk_constraint(t)["constrained_columns"]
        ]
    finally:
        engine.dispose()
    assert not deployed, f"deployed tables without a primary key: {deployed}"


FORBIDDEN = {
    "MEMORY engine (not replicated by Galera)": re.compile(
        r"ENGINE\s*=\s*['\"]?MEMORY|mysql_engine['\"]?\s*[:=]\s*['\"]MEMORY", re.IGNORECASE
    ),
    "GET_LOCK (not cluster-wide on Galera)": re.compile(r"\bGET_LOCK\s*\(|RELEASE_LOCK\s*\(", re.I),
}


def test_no_memory_tables_or_named_locks_in_the_code() -> None:
    found = []
    files = sorted(SRC.rglob("*.py")) + sorted(SRC.rglob("*.sql"))
    assert files
    for path in files:
        text = path.read_text(errors="replace")
        for what, pattern in FORBIDDEN.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_the_forbidden_patterns_match_what_they_forbid() -> None:
    samples = {
        "MEMORY engine (not replicated by Galera)": [
            "CREATE TABLE t (id INT) ENGINE=MEMORY",
            "__table_args__ = {'mysql_engine': 'MEMORY'}",
        ],
        "GET_LOCK (not cluster-wide on Galera)": ["SELECT GET_LOCK('x', 10)", "get_lock ('a',1)"],
    }
    for what, texts in samples.items():
        for sample in texts:
            assert FORBIDDEN[what].search(sample), (what, sample)
    assert not FORBIDDEN["MEMORY engine (not replicated by Galera)"].search("ENGINE=InnoDB")
