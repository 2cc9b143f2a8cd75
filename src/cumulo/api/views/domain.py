"""DomainResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.domain import Domain


def pretty_path(path: str) -> str:
    """``/`` → ``ROOT``, ``/a/b/`` → ``ROOT/a/b``."""
    return "ROOT" + path.rstrip("/") if path != "/" else "ROOT"


def domain_view(domain: Domain, parent: Domain | None) -> dict[str, Any]:
    return {
        "id": domain.uuid,
        "name": domain.name,
        "level": domain.level,
        "parentdomainid": parent.uuid if parent else None,
        "parentdomainname": parent.name if parent else None,
        "haschild": domain.child_count > 0,
        "networkdomain": domain.network_domain,
        "path": pretty_path(domain.path),
        "state": domain.state,
        "created": domain.created,
    }
