"""Trigram full-text indexes for ``keyword`` searches over big tables (SQLite only).

CloudStack's ``keyword`` is an infix, case-insensitive match (``LIKE '%kw%'``).
No B-tree index serves an infix pattern, so on 100,000 VMs or 200,000 volumes
every search read the whole list index (150-200 ms). On SQLite an FTS5 table
with the ``trigram`` tokenizer (SQLite >= 3.34) finds the rows that contain a
string of three or more characters from its posting lists instead.

The FTS tables are contentless (they store only the index, not a copy of the
names) and follow their table through triggers, so every write path — the ORM,
Core bulk inserts, the seeding tools — keeps them current. They are created
by the baseline migration (``create``) and ignored by schema comparisons
(``include_name``).

A trigram phrase query matches exactly the rows that contain the keyword as a
substring, case-insensitively, as ``LIKE`` does. Where the two could differ the
search keeps ``LIKE``: keywords shorter than three characters (no trigram),
keywords with ``%`` or ``_`` (wildcards to ``LIKE``, literals to FTS5) and
non-ASCII keywords (SQLite's ``LIKE`` folds only ASCII letters, FTS5 all).
MariaDB keeps ``LIKE``.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, or_, text
from sqlalchemy.orm import InstrumentedAttribute, Session

# The trigram tokenizer came with SQLite 3.34.0.
TRIGRAM_SINCE = (3, 34, 0)


@dataclass(frozen=True)
class Indexed:
    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"


# From this many matches on, ``LIKE`` is the cheaper plan (see ``_selective``).
BROAD = 5000

INDEXED = (Indexed("vm_instance", ("name", "display_name")), Indexed("volume", ("name",)))
_BY_TABLE = {i.table: i for i in INDEXED}


def trigram_available() -> bool:
    return sqlite3.sqlite_version_info >= TRIGRAM_SINCE


def _statements(ix: Indexed) -> list[str]:
    cols = ", ".join(ix.columns)
    new = ", ".join(f"new.{c}" for c in ix.columns)
    old = ", ".join(f"old.{c}" for c in ix.columns)
    # A contentless table forgets a row through the 'delete' command with the
    # values it was indexed with, which the triggers have in ``old``.
    forget = f"INSERT INTO {ix.fts}({ix.fts}, rowid, {cols}) VALUES('delete', old.id, {old});"
    remember = f"INSERT INTO {ix.fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {ix.fts} USING fts5({cols}, content='', tokenize='trigram')",
        f"CREATE TRIGGER {ix.fts}_ai AFTER INSERT ON {ix.table} BEGIN {remember} END",
        f"CREATE TRIGGER {ix.fts}_ad AFTER DELETE ON {ix.table} BEGIN {forget} END",
        f"CREATE TRIGGER {ix.fts}_au AFTER UPDATE OF {cols} ON {ix.table} "
        f"BEGIN {forget} {remember} END",
        f"INSERT INTO {ix.fts}(rowid, {cols}) SELECT id, {cols} FROM {ix.table}",
    ]


def create(conn: Connection) -> None:
    """Create the indexes (and fill them from existing rows); SQLite with trigram only."""
    if conn.dialect.name != "sqlite" or not trigram_available():
        return
    for ix in INDEXED:
        for stmt in _statements(ix):
            conn.exec_driver_sql(stmt)


def drop(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    for ix in INDEXED:
        for suffix in ("_ai", "_ad", "_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {ix.fts}{suffix}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {ix.fts}")


@contextmanager
def rebuilt_after(engine: Engine) -> Iterator[None]:
    """For bulk loads: no per-row triggers during the load, the indexes filled in
    one pass after it (several times faster for 100,000s of rows)."""
    with engine.begin() as conn:
        present = (
            conn.dialect.name == "sqlite"
            and conn.exec_driver_sql(
                f"SELECT 1 FROM sqlite_master WHERE name = '{INDEXED[0].fts}'"
            ).first()
            is not None
        )
        if present:
            drop(conn)
    try:
        yield
    finally:
        if present:
            with engine.begin() as conn:
                create(conn)


def include_name(name: str | None, type_: str, _parent: Any = None) -> bool:
    """Alembic filter: the FTS tables and their shadow tables are not models."""
    if type_ != "table" or name is None:
        return True
    return not any(name == ix.fts or name.startswith(ix.fts + "_") for ix in INDEXED)


_present: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _has_index(session: Session, ix: Indexed) -> bool:
    """Whether this database has the FTS table (cached per engine: it comes with the schema)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    present = _present.get(bind)
    if present is None:
        found = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": ix.fts}
        ).first()
        present = _present[bind] = found is not None
    return present


def _selective(session: Session, ix: Indexed, phrase: str) -> bool:
    """Whether the keyword matches fewer than ``BROAD`` rows.

    The index costs time per match (for 100,000 matches, 65 ms for a page and
    130 ms for the count at 200,000 volumes), while ``LIKE`` walking the list
    index in id order finds a page of a broad keyword early and counts in about
    40 ms. Reading up to ``BROAD`` matches from the index takes a few ms.
    """
    probe = text(f"SELECT count(*) FROM (SELECT 1 FROM {ix.fts} WHERE {ix.fts} MATCH :p LIMIT :n)")
    return int(session.execute(probe, {"p": phrase, "n": BROAD}).scalar_one()) < BROAD


def _trigram_safe(keyword: str) -> bool:
    return len(keyword) >= 3 and keyword.isascii() and "%" not in keyword and "_" not in keyword


def matches(
    session: Session, id_column: InstrumentedAttribute[int], *columns: Any, keyword: str
) -> ColumnElement[bool]:
    """``keyword`` as CloudStack matches it: ``LIKE '%keyword%'`` on any of ``columns``
    (of one table), answered by the trigram index where it gives the same rows."""
    ix = _BY_TABLE.get(id_column.class_.__table__.name)
    names = tuple(c.key for c in columns)
    if ix is not None and ix.columns == names and _trigram_safe(keyword):
        phrase = '"' + keyword.replace('"', '""') + '"'
        if _has_index(session, ix) and _selective(session, ix, phrase):
            hits = text(f"SELECT rowid FROM {ix.fts} WHERE {ix.fts} MATCH :kw_phrase")
            return id_column.in_(hits.bindparams(kw_phrase=phrase))
    like = f"%{keyword}%"
    return or_(*(c.like(like) for c in columns))
