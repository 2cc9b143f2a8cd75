"""``page`` / ``pagesize`` as CloudStack reads them, and counted pages of a query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
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


class PagedQuery:
    """A list query whose page and count statements are built once.

    For the hot list commands: its values come as bound parameters
    (``fetch_page(..., params=...)``), so a request builds no statement and
    SQLAlchemy finds the compiled form by a cache key it computed once,
    instead of building, keying and looking up three statements per request.
    """

    def __init__(self, stmt: Select[Any]) -> None:
        offset = bindparam("_page_offset", type_=Integer)
        self.page = stmt.offset(offset).limit(bindparam("_page_limit", type_=Integer))
        self.unlimited = stmt.offset(offset)
        self.count = count_statement(stmt)


def fetch_page(
    session: Session,
    stmt: Select | PagedQuery,  # type: ignore[type-arg]  # Select's parameters differ in 2.0 / 2.1
    call: Call,
    args: Args,
    params: dict[str, Any] | None = None,
) -> tuple[list[Any], int]:
    """Rows of the requested page and the total number of matches.

    ``params``: values of the bound parameters of a ``PagedQuery``.
    """
    offset, limit = page_window(call, args)
    if isinstance(stmt, PagedQuery):
        return _fetch_prepared(session, stmt, offset, limit, params or {})
    paged = stmt.offset(offset)
    if limit is not None:
        paged = paged.limit(limit)
    rows = list(session.execute(paged))
    if _complete(rows, offset, limit):
        return rows, len(rows)  # the page holds everything: no count query needed
    return rows, count_matches(session, stmt)


def _fetch_prepared(
    session: Session, query: PagedQuery, offset: int, limit: int | None, params: dict[str, Any]
) -> tuple[list[Any], int]:
    # Core statements on the session's connection: the ORM layer of
    # Session.execute (compile state, events) adds nothing to a plain SELECT.
    conn = session.connection()
    values = {**params, "_page_offset": offset, "_page_limit": limit}
    rows = list(conn.execute(query.unlimited if limit is None else query.page, values))
    if _complete(rows, offset, limit):
        return rows, len(rows)
    return rows, int(conn.execute(query.count, params).scalar_one())


def _complete(rows: list[Any], offset: int, limit: int | None) -> bool:
    return offset == 0 and (limit is None or len(rows) < limit)


def count_statement(stmt: Select[Any]) -> Select[Any]:
    """``COUNT(*)`` over the same FROM and WHERE, without selecting (or sorting) every column.

    Statements with GROUP BY or DISTINCT keep the subquery form, which counts
    their result rows.
    """
    if stmt._group_by_clauses or stmt._distinct:
        return select(func.count()).select_from(stmt.order_by(None).subquery())
    return stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)


def count_matches(session: Session, stmt: Select[Any]) -> int:
    return int(session.execute(count_statement(stmt)).scalar_one())


def like_escaped(value: str) -> str:
    """``value`` for a LIKE pattern with ``ESCAPE '/'`` (what ``autoescape`` does
    for a literal; a bound parameter needs it done by hand)."""
    return value.replace("/", "//").replace("%", "/%").replace("_", "/_")
