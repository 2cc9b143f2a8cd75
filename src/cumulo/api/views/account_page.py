"""listAccounts' page statements: Core rows, built once per filter combination.

A page used to load Account and Domain entities through the ORM and build
its page and count statements on every request; here the statements are
built (and compiled) once per set of filters present, their values bound
per request, and each row is a plain Core row read by ``account_views``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select

from cumulo.api.paging import PagedQuery, like_escaped
from cumulo.api.scope import ListScope
from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.domain import Domain

_A = Account.__table__
_D = Domain.__table__
# What account_views reads of an account; the domain's columns are labelled.
ACCOUNT_COLUMNS = (
    "id",
    "uuid",
    "name",
    "type",
    "role_id",
    "domain_id",
    "state",
    "network_domain",
    "is_default",
    "created",
    "api_key_access",
)
# Bound parameters, in the order of _list_query's flags.
FILTERS = (
    "id",
    "account_ids",
    "scope_domain_id",
    "under",
    "name",
    "type",
    "state",
    "api_key_access",
    "api_key_inherit",
    "keyword",
)


class DomainColumns:
    """The domain of a page row, as ``account_views`` and ``user_view`` read it."""

    __slots__ = ("name", "path", "uuid")

    def __init__(self, uuid: str, name: str, path: str) -> None:
        self.uuid, self.name, self.path = uuid, name, path


def _conditions() -> dict[str, ColumnElement[bool]]:
    return {
        "id": _A.c.id == bindparam("id"),
        "account_ids": _A.c.id.in_(bindparam("account_ids", expanding=True)),
        "scope_domain_id": _A.c.domain_id == bindparam("scope_domain_id"),
        "under": _D.c.path.like(bindparam("under"), escape="/"),
        "name": _A.c.name == bindparam("name"),
        "type": _A.c.type == bindparam("type"),
        "state": _A.c.state == bindparam("state"),
        "api_key_access": _A.c.api_key_access == bindparam("api_key_access"),
        "api_key_inherit": _A.c.api_key_access.is_(None),
        "keyword": _A.c.name.like(bindparam("keyword"), escape="/"),
    }


@lru_cache(maxsize=128)
def list_query(*present: bool) -> PagedQuery:
    """The page query with the filters present (in FILTERS order)."""
    stmt: Select[Any] = (
        select(
            *(_A.c[name] for name in ACCOUNT_COLUMNS),
            _D.c.uuid.label("domain_uuid"),
            _D.c.name.label("domain_name"),
            _D.c.path.label("domain_path"),
        )
        .join_from(_A, _D, _D.c.id == _A.c.domain_id)
        .where(_A.c.removed.is_(None), _A.c.type != AccountType.PROJECT)
    )
    conditions = _conditions()
    for key, used in zip(FILTERS, present, strict=True):
        if used:
            stmt = stmt.where(conditions[key])
    return PagedQuery(stmt.order_by(_A.c.id))


def scope_values(scope: ListScope) -> dict[str, Any]:
    """The bound values of a ``ListScope`` (as ``ListScope.where`` filters; the
    project accounts it would leave out, listAccounts leaves out by type)."""
    values: dict[str, Any] = {}
    if scope.account_ids is not None:
        values["account_ids"] = list(scope.account_ids)
    if scope.domain_id is not None:
        values["scope_domain_id"] = scope.domain_id
    if scope.domain_path is not None and scope.domain_path != "/":
        values["under"] = like_escaped(scope.domain_path) + "%"
    return values


def page_rows(rows: list[Any]) -> list[tuple[Any, DomainColumns]]:
    """(account row, its domain) pairs for ``account_views``."""
    return [(r, DomainColumns(r.domain_uuid, r.domain_name, r.domain_path)) for r in rows]
