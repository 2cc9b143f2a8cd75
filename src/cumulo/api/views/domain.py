"""DomainResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.envelope import format_date
from cumulo.db.models.domain import Domain

# What domain_fields reads: a Domain, or a Core row of these columns (list pages).
DOMAIN_VIEW_COLUMNS = (
    "id",
    "uuid",
    "name",
    "level",
    "child_count",
    "network_domain",
    "path",
    "state",
    "created",
)


def pretty_path(path: str) -> str:
    """``/`` → ``ROOT``, ``/a/b/`` → ``ROOT/a/b``."""
    return "ROOT" + path.rstrip("/") if path != "/" else "ROOT"


def domain_view(domain: Domain, parent: Domain | None) -> dict[str, Any]:
    return domain_fields(domain, parent.uuid if parent else None, parent.name if parent else None)


def domain_fields(domain: Any, parent_uuid: str | None, parent_name: str | None) -> dict[str, Any]:
    """Wire-ready fields (see ``WireList``); ``domain`` has DOMAIN_VIEW_COLUMNS."""
    out = {"id": domain.uuid, "name": domain.name, "level": domain.level}
    if parent_uuid is not None:
        out["parentdomainid"] = parent_uuid
        out["parentdomainname"] = parent_name
    out["haschild"] = domain.child_count > 0
    if domain.network_domain is not None:
        out["networkdomain"] = domain.network_domain
    out["path"] = pretty_path(domain.path)
    out["state"] = domain.state
    out["created"] = format_date(domain.created)
    return out
