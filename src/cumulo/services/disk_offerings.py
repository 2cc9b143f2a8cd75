"""Disk offerings: create, update, delete, and the in-use check others extend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events, offering_scope
from cumulo.services.disk_rules import apply_disk, normalise_tags
from cumulo.services.service_offerings import offering_state

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
    session.add(offering)
    session.flush()
    offering_scope.set_domains(session, KIND, offering.id, domains)
    offering_scope.set_zones(session, KIND, offering.id, zones)
    events.record(
        session,
        caller,
        "DISK.OFFERING.CREATE",
        f"Successfully created disk offering {name}",
        resource_type="DiskOffering",
        resource_uuid=offering.uuid,
    )
    return offering


def update(
    session: Session, caller: Caller, offering: DiskOffering, values: dict[str, Any]
) -> DiskOffering:
    live(offering)
    if values.get("name") is not None:
        if not values["name"].strip():
            raise InvalidParameter("Disk offering name must not be empty")
        offering.name = values["name"].strip()
    if values.get("displaytext") is not None:
        offering.display_text = values["displaytext"]
    if values.get("sortkey") is not None:
        offering.sort_key = values["sortkey"]
    if values.get("state") is not None:
        offering.state = offering_state(values["state"])
    if values.get("displayoffering") is not None:
        offering.display_offering = values["displayoffering"]
    if values.get("tags") is not None:
        offering.storage_tags = normalise_tags(values["tags"])
    _update_disk(offering, values)
    if values.get("domainid") is not None:
        domains = offering_scope.resolve_domains(session, values["domainid"])
        offering_scope.set_domains(session, KIND, offering.id, domains)
    if values.get("zoneid") is not None:
        zones = offering_scope.resolve_zones(session, values["zoneid"])
        offering_scope.set_zones(session, KIND, offering.id, zones)
    events.record(
        session,
        caller,
        "DISK.OFFERING.EDIT",
        f"Successfully updated disk offering {offering.name}",
        resource_type="DiskOffering",
        resource_uuid=offering.uuid,
    )
    return offering


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
    events.record(
        session,
        caller,
        "DISK.OFFERING.DELETE",
        f"Successfully deleted disk offering {offering.name}",
        resource_type="DiskOffering",
        resource_uuid=offering.uuid,
    )


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
