"""ResourceLimitResponse, ResourceCountResponse, and the limit fields of
AccountResponse / DomainResponse / ProjectResponse."""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter
from typing import Any

from cumulo.api.views.domain import pretty_path
from cumulo.db.models.domain import Domain
from cumulo.services.limits import GIB, KINDS, ResourceKind

UNLIMITED_TEXT = "Unlimited"


def _shown(k: ResourceKind, count: int) -> int:
    # Storage is counted in bytes but shown in GiB, like CloudStack.
    return count // GIB if k.in_bytes else count


# (number, in_bytes, "<field>limit", "<field>total", "<field>available") per kind.
_FIELD_NAMES = tuple(
    (k.number, k.in_bytes, f"{k.field}limit", f"{k.field}total", f"{k.field}available")
    for k in KINDS
)


# The values of a limits or counts dict, in _FIELD_NAMES order.
_VALUES = itemgetter(*(number for number, *_rest in _FIELD_NAMES))


def limit_fields(
    limits: dict[int, int], counts: dict[int, int], *, skip: tuple[int, ...] = ()
) -> dict[str, Any]:
    """``vmlimit``/``vmtotal``/``vmavailable`` ... for every resource type."""
    # Runs for every item of account and domain pages, and most items share
    # their limits (the defaults) and counts: the fields are built once per
    # distinct combination. A copy, because callers add to it.
    return dict(_fields_of(_VALUES(limits), _VALUES(counts), skip))


@lru_cache(maxsize=4096)
def _fields_of(
    limits: tuple[int, ...], counts: tuple[int, ...], skip: tuple[int, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (number, in_bytes, limit_key, total_key, available_key), limit, total in zip(
        _FIELD_NAMES, limits, counts, strict=True
    ):
        if number in skip:
            continue
        if in_bytes:
            total //= GIB  # counted in bytes, shown in GiB, like CloudStack
        if limit < 0:
            out[limit_key] = UNLIMITED_TEXT
            out[total_key] = total
            out[available_key] = UNLIMITED_TEXT
        else:
            out[limit_key] = str(limit)
            out[total_key] = total
            out[available_key] = str(max(limit - total, 0))
    return out


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
