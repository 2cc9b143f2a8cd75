"""``page`` / ``pagesize`` as CloudStack reads them, and counted pages of a query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.errors import InvalidParameter


def page_window(call: Call, args: Args) -> tuple[int, int | None]:
    """(offset, limit); limit None means unlimited (``pagesize=-1``)."""
    page, size = args.get("page"), args.get("pagesize")
    maximum = call.runtime.config.get_int("default.page.size")
    if size is None and page is None:
        return 0, maximum
    if size == -1:
        if page is not None:
            raise InvalidParameter("Can't specify page parameter when pagesize is -1 (Unlimited)")
        return 0, None
    if size is None:
        raise InvalidParameter('"pagesize" parameter is required when "page" is specified')
    if page is None:
        raise InvalidParameter('"page" parameter is required when "pagesize" is specified')
    if size > maximum:
        raise InvalidParameter(f"Page size can't exceed max allowed page size value: {maximum}")
    if size < 1:
        raise InvalidParameter("Page size must be a positive number, or -1 for unlimited")
    page = max(page, 1)
    return (page - 1) * size, size


def fetch_page(
    session: Session,
    stmt: Select,  # type: ignore[type-arg]  # Select's parameters differ in SQLAlchemy 2.0 / 2.1
    call: Call,
    args: Args,
) -> tuple[list[Any], int]:
    """Rows of the requested page and the total number of matches."""
    offset, limit = page_window(call, args)
    paged = stmt.offset(offset)
    if limit is not None:
        paged = paged.limit(limit)
    rows = list(session.execute(paged))
    if offset == 0 and (limit is None or len(rows) < limit):
        return rows, len(rows)  # the page holds everything: no count query needed
    return rows, count_matches(session, stmt)


def count_matches(session: Session, stmt: Select[Any]) -> int:
    """``COUNT(*)`` over the same FROM and WHERE, without selecting (or sorting) every column.

    Statements with GROUP BY or DISTINCT keep the subquery form, which counts
    their result rows.
    """
    if stmt._group_by_clauses or stmt._distinct:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    else:
        counted = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return int(session.execute(counted).scalar_one())
