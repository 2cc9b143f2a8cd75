"""DomainResponse."""

from __future__ import annotations

from typing import Any

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
    """``domain`` has the attributes named in DOMAIN_VIEW_COLUMNS."""
    return {
        "id": domain.uuid,
        "name": domain.name,
        "level": domain.level,
        "parentdomainid": parent_uuid,
        "parentdomainname": parent_name,
        "haschild": domain.child_count > 0,
        "networkdomain": domain.network_domain,
        "path": pretty_path(domain.path),
        "state": domain.state,
        "created": domain.created,
    }
