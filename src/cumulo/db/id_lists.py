"""``IN (:id0, …, :idN)`` statements for a page of ids, compiled once per page length.

An expanding IN parameter is re-rendered into the SQL on every execution,
which costs more than the query itself; numbered parameters give a
statement SQLAlchemy compiles once per length and finds in its cache.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import BindParameter, bindparam

# Ids per statement; a page of -1 (unlimited) takes several.
CHUNK = 500


def id_params(n: int) -> list[BindParameter[int]]:
    """``:id0`` … ``:id<n-1>``, for ``column.in_(id_params(n))``."""
    return [bindparam(f"id{i}") for i in range(n)]


def id_chunks(ids: list[int]) -> Iterator[tuple[int, dict[str, object]]]:
    """(length, values of ``:id0`` …) for each chunk of ``ids``."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield len(chunk), {f"id{i}": v for i, v in enumerate(chunk)}
