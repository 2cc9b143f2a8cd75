"""Related rows for a whole page of list items, one query per kind.

A list view that looked up each item's account, zone, offering ... one by one
issued thousands of statements for a page of 500 (an N+1). Views collect the
ids of a page first and load each kind once with ``by_id``. Naming the columns
a view needs returns plain rows instead of ORM objects, which is several times
cheaper to build for 500 items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def by_id(session: Session, model: Any, ids: Iterable[int | None], *columns: Any) -> dict[int, Any]:
    """``{id: row}`` for the ids (``None`` skipped); whole entities unless columns are named."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    if columns:
        stmt = select(model.id, *columns).where(model.id.in_(wanted))
        return {r.id: r for r in session.execute(stmt)}
    return {r.id: r for r in session.execute(select(model).where(model.id.in_(wanted))).scalars()}
