"""ResourceLimitResponse, ResourceCountResponse, and the limit fields of
AccountResponse / DomainResponse / ProjectResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.domain import pretty_path
from cumulo.db.models.domain import Domain
from cumulo.services.limits import GIB, KINDS, ResourceKind

UNLIMITED_TEXT = "Unlimited"


def _shown(k: ResourceKind, count: int) -> int:
    # Storage is counted in bytes but shown in GiB, like CloudStack.
    return count // GIB if k.in_bytes else count


def limit_fields(
    limits: dict[int, int], counts: dict[int, int], *, skip: tuple[int, ...] = ()
) -> dict[str, Any]:
    """``vmlimit``/``vmtotal``/``vmavailable`` ... for every resource type."""
    out: dict[str, Any] = {}
    for k, limit_key, total_key, available_key in _FIELD_NAMES:
        if k.number in skip:
            continue
        limit, total = limits[k.number], _shown(k, counts[k.number])
        out[limit_key] = UNLIMITED_TEXT if limit < 0 else str(limit)
        out[total_key] = total
        out[available_key] = UNLIMITED_TEXT if limit < 0 else str(max(limit - total, 0))
    return out


# Built once: a page of 500 accounts would otherwise format 18,000 field names.
_FIELD_NAMES = [(k, f"{k.field}limit", f"{k.field}total", f"{k.field}available") for k in KINDS]


def owner_fields(
    domain: Domain,
    *,
    account: str | None = None,
    project: tuple[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
    }
    if project is not None:
        out["projectid"], out["project"] = project
    elif account is not None:
        out["account"] = account
    return out


def resource_limit_view(k: ResourceKind, maximum: int, owner: dict[str, Any]) -> dict[str, Any]:
    return {**owner, "resourcetype": str(k.number), "resourcetypename": k.name, "max": maximum}


def resource_count_view(k: ResourceKind, count: int, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        **owner,
        "resourcetype": str(k.number),
        "resourcetypename": k.name,
        "resourcecount": _shown(k, count),
    }
