"""Disk offerings: create, update, delete, and the in-use check others extend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import offering_edits, offering_scope
from cumulo.services.disk_rules import apply_disk, normalise_tags

KIND = "disk"
GIB = 1024**3
MAX_SIZE_GB = 1024 * 1024  # CloudStack's custom.diskoffering.size.max is far lower

UsageCheck = Callable[[Session, DiskOffering], str | None]
_usage_checks: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> UsageCheck:
    """Volumes and service offerings register what may still use a disk offering."""
    _usage_checks.append(check)
    return check


def check_not_in_use(session: Session, offering: DiskOffering) -> None:
    for check in _usage_checks:
        user = check(session, offering)
        if user:
            raise ResourceInUse(
                f"Unable to delete disk offering {offering.name}: it is in use by {user}"
            )


def _size(values: dict[str, Any]) -> tuple[int, bool]:
    size, customized = values.get("disksize"), values.get("customized")
    if customized and size:
        raise InvalidParameter(
            "A customized disk offering takes no disksize: the volume's size is given at "
            "creation. Remove disksize or customized=true"
        )
    if not customized:
        if size is None:
            raise InvalidParameter(
                "Disksize is required for a non-customized disk offering (or pass customized=true)"
            )
        if not 1 <= size <= MAX_SIZE_GB:
            raise InvalidParameter(f"Disk size must be between 1 and {MAX_SIZE_GB} GB, got {size}")
    return (size or 0) * GIB, bool(customized)


def create(session: Session, caller: Caller, values: dict[str, Any]) -> DiskOffering:
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidParameter("Disk offering name must not be empty")
    size, customized = _size(values)
    domains = offering_scope.resolve_domains(session, values.get("domainid"))
    zones = offering_scope.resolve_zones(session, values.get("zoneid"))
    details = {
        r["key"]: r.get("value", "") for r in (values.get("details") or {}).values() if "key" in r
    }
    offering = DiskOffering(
        name=name,
        display_text=values.get("displaytext") or name,
        disk_size=size,
        customized=customized,
        display_offering=values.get("displayoffering") is not False,
        disk_size_strictness=bool(values.get("disksizestrictness")),
        encrypt=bool(values.get("encrypt")),
        details=json.dumps(details) if details else None,
    )
    apply_disk(offering, values, tags_param="tags")
    offering_edits.store(session, KIND, offering, domains, zones)
    _record(session, caller, offering, "CREATE", "created")
    return offering


def update(
    session: Session, caller: Caller, offering: DiskOffering, values: dict[str, Any]
) -> DiskOffering:
    live(offering)
    offering_edits.update_basics(offering, values, "Disk offering")
    if values.get("displayoffering") is not None:
        offering.display_offering = values["displayoffering"]
    if values.get("tags") is not None:
        offering.storage_tags = normalise_tags(values["tags"])
    _update_disk(offering, values)
    offering_edits.update_scope(session, KIND, offering, values, system=False)
    _record(session, caller, offering, "EDIT", "updated")
    return offering


def _record(session: Session, caller: Caller, offering: DiskOffering, what: str, done: str) -> None:
    event = f"DISK.OFFERING.{what}"
    offering_edits.record(session, caller, offering, event, f"{done} disk offering", "DiskOffering")


def _update_disk(offering: DiskOffering, values: dict[str, Any]) -> None:
    """Rates and cache mode may change; unchanged fields keep their values."""
    from cumulo.services.disk_rules import CACHE_MODES, RATE_PARAMS, check_rates, choice

    merged = {p: getattr(offering, c) for p, c in RATE_PARAMS.items()}
    merged.update({p: values[p] for p in RATE_PARAMS if values.get(p) is not None})
    check_rates(merged)
    for param, column in RATE_PARAMS.items():
        setattr(offering, column, merged[param])
    if values.get("cachemode") is not None:
        offering.cache_mode = choice(values["cachemode"], CACHE_MODES, "cachemode", "none")


def live(offering: DiskOffering) -> None:
    if offering.removed is not None or offering.system_use:
        raise InvalidParameter(f"Unable to find disk offering {offering.uuid}")


def delete(session: Session, caller: Caller, offering: DiskOffering) -> None:
    live(offering)
    check_not_in_use(session, offering)
    offering.mark_removed()
    offering.state = "Inactive"
    _record(session, caller, offering, "DELETE", "deleted")


@register_usage_check
def _used_by_service_offering(session: Session, offering: DiskOffering) -> str | None:
    from sqlalchemy import select

    from cumulo.db.models.service_offering import ServiceOffering

    name = session.execute(
        select(ServiceOffering.name).where(
            ServiceOffering.disk_offering_id == offering.id, ServiceOffering.removed.is_(None)
        )
    ).scalar()
    return f"service offering {name}" if name else None
