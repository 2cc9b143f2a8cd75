"""Service offerings: create, update, delete, and the in-use check others extend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import offering_edits, offering_scope
from cumulo.services.disk_rules import apply_disk, normalise_tags

KIND = "service"
SYSTEM_VM_TYPES = ("domainrouter", "consoleproxy", "secondarystoragevm", "internalloadbalancervm")
MAX_CPU = 2**31 - 1
MIN_MEMORY_MB = 32

# Other areas (VMs, routers, system VMs) register functions that return a
# description of what still uses an offering, or None. Registered at import.
UsageCheck = Callable[[Session, ServiceOffering], str | None]
_usage_checks: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> UsageCheck:
    _usage_checks.append(check)
    return check


def check_not_in_use(session: Session, offering: ServiceOffering) -> None:
    """Raise 536 if anything registered reports the offering in use."""
    for check in _usage_checks:
        user = check(session, offering)
        if user:
            raise ResourceInUse(
                f"Unable to delete service offering {offering.name}: it is in use by {user}"
            )


def _positive(values: dict[str, Any], key: str, low: int, high: int, what: str) -> None:
    v = values.get(key)
    if v is not None and not low <= v <= high:
        raise InvalidParameter(
            f"Failed to create service offering {values['name']}: specify the {what} "
            f"value between {low} and {high}"
        )


def _compute(values: dict[str, Any]) -> dict[str, Any]:
    """Work out fixed / constrained / unconstrained compute from the wire values."""
    cpu, speed, mem = values.get("cpunumber"), values.get("cpuspeed"), values.get("memory")
    bounds = [values.get(k) for k in ("mincpunumber", "maxcpunumber", "minmemory", "maxmemory")]
    _positive(values, "cpunumber", 1, MAX_CPU, "cpu number")
    _positive(values, "cpuspeed", 0, MAX_CPU, "cpu speed")
    _positive(values, "memory", MIN_MEMORY_MB, MAX_CPU, "memory")
    fixed = cpu is not None or mem is not None
    customized = values.get("customized")
    if customized is None:
        customized = not fixed
    if not customized:
        if cpu is None or mem is None or speed is None:
            raise InvalidParameter(
                "A fixed service offering needs cpunumber, cpuspeed and memory; "
                "pass customized=true for a custom offering"
            )
        if any(b is not None for b in bounds):
            raise InvalidParameter(
                "mincpunumber/maxcpunumber/minmemory/maxmemory apply only to custom "
                "offerings; remove them or pass customized=true without cpunumber and memory"
            )
        return {"customized": False}
    if fixed:
        raise InvalidParameter(
            "A custom service offering takes no cpunumber or memory; give "
            "mincpunumber/maxcpunumber/minmemory/maxmemory to constrain it instead"
        )
    return {"customized": True, **_constraints(values, bounds, speed)}


def _constraints(
    values: dict[str, Any], bounds: list[int | None], speed: int | None
) -> dict[str, Any]:
    if all(b is None for b in bounds):
        return {}
    if any(b is None for b in bounds):
        raise InvalidParameter(
            "For a constrained custom offering give all of mincpunumber, maxcpunumber, "
            "minmemory and maxmemory (or none of them for an unconstrained one)"
        )
    lo_cpu, hi_cpu, lo_mem, hi_mem = bounds
    assert lo_cpu is not None and hi_cpu is not None and lo_mem is not None
    assert hi_mem is not None
    if lo_cpu < 1 or lo_cpu > hi_cpu:
        raise InvalidParameter(
            f"mincpunumber ({lo_cpu}) must be at least 1 and not above maxcpunumber ({hi_cpu})"
        )
    if lo_mem < MIN_MEMORY_MB or lo_mem > hi_mem:
        raise InvalidParameter(
            f"minmemory ({lo_mem}) must be at least {MIN_MEMORY_MB} MB and not above "
            f"maxmemory ({hi_mem})"
        )
    if speed is None:
        raise InvalidParameter("A constrained custom offering needs a fixed cpuspeed")
    return {
        "min_cpu_number": lo_cpu,
        "max_cpu_number": hi_cpu,
        "min_memory": lo_mem,
        "max_memory": hi_mem,
    }


def _system(values: dict[str, Any]) -> tuple[bool, str | None]:
    is_system = bool(values.get("issystem"))
    vm_type = values.get("systemvmtype")
    if vm_type is not None:
        vm_type = vm_type.strip().lower()
        if vm_type not in SYSTEM_VM_TYPES:
            raise InvalidParameter(
                f"Invalid systemvmtype {values['systemvmtype']!r}; supported types are "
                + ", ".join(SYSTEM_VM_TYPES)
            )
        if not is_system:
            raise InvalidParameter("systemvmtype is only valid together with issystem=true")
    elif is_system:
        vm_type = "domainrouter"  # CloudStack's default for system offerings
    return is_system, vm_type


def _details(values: dict[str, Any], compute: dict[str, Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    for record in (values.get("serviceofferingdetails") or {}).values():
        if "key" in record and "value" in record:
            details[record["key"]] = record["value"]
        else:
            details.update(record)
    for key in ("leaseduration", "leaseexpiryaction"):
        if values.get(key) is not None:
            details[key] = str(values[key])
    for column, key in (
        ("min_cpu_number", "mincpunumber"),
        ("max_cpu_number", "maxcpunumber"),
        ("min_memory", "minmemory"),
        ("max_memory", "maxmemory"),
    ):
        if column in compute:
            details[key] = str(compute[column])
    return details


def create(session: Session, caller: Caller, values: dict[str, Any]) -> ServiceOffering:
    """``values`` holds the wire parameters by lower-case name (absent = None)."""
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidParameter("Service offering name must not be empty")
    if values.get("gpucount") or values.get("vgpuprofileid"):
        raise InvalidParameter("GPU service offerings are not supported: no GPU hosts exist")
    compute = _compute(values)
    is_system, vm_type = _system(values)
    disk: DiskOffering | None = values.get("diskofferingid")
    if disk is not None and (disk.removed is not None or disk.state != "Active"):
        raise InvalidParameter(f"Disk offering {disk.uuid} is not active")
    domains = offering_scope.resolve_domains(session, values.get("domainid"))
    zones = offering_scope.resolve_zones(session, values.get("zoneid"))
    offering_edits.refuse_system_domains(is_system, domains)
    details = _details(values, compute)
    offering = ServiceOffering(
        name=name,
        display_text=values.get("displaytext") or name,
        cpu_number=values.get("cpunumber"),
        cpu_speed=values.get("cpuspeed"),
        memory=values.get("memory"),
        offer_ha=bool(values.get("offerha")),
        limit_cpu_use=bool(values.get("limitcpuuse")),
        is_volatile=bool(values.get("isvolatile")),
        host_tags=normalise_tags(values.get("hosttags")),
        is_system=is_system,
        system_vm_type=vm_type,
        network_rate=values.get("networkrate"),
        deployment_planner=values.get("deploymentplanner"),
        root_disk_size=values.get("rootdisksize"),
        dynamic_scaling_enabled=values.get("dynamicscalingenabled") is not False,
        disk_offering_strictness=bool(values.get("diskofferingstrictness")),
        disk_offering_id=disk.id if disk else None,
        encrypt=bool(values.get("encryptroot")),
        purge_resources=bool(values.get("purgeresources")),
        details=json.dumps(details) if details else None,
        **compute,
    )
    apply_disk(offering, values, tags_param="tags")
    offering_edits.store(session, KIND, offering, domains, zones)
    _record(session, caller, offering, "CREATE", "created")
    return offering


def update(
    session: Session, caller: Caller, offering: ServiceOffering, values: dict[str, Any]
) -> ServiceOffering:
    live(offering)
    offering_edits.update_basics(offering, values, "Service offering")
    if values.get("hosttags") is not None:
        offering.host_tags = normalise_tags(values["hosttags"])
    if values.get("storagetags") is not None:
        offering.storage_tags = normalise_tags(values["storagetags"])
    if values.get("purgeresources") is not None:
        offering.purge_resources = values["purgeresources"]
    offering_edits.update_scope(session, KIND, offering, values, system=offering.is_system)
    _record(session, caller, offering, "EDIT", "updated")
    return offering


def _record(
    session: Session, caller: Caller, offering: ServiceOffering, what: str, done: str
) -> None:
    event = f"SERVICE.OFFERING.{what}"
    text = f"{done} service offering"
    offering_edits.record(session, caller, offering, event, text, "ServiceOffering")


def live(offering: ServiceOffering) -> None:
    if offering.removed is not None:
        raise InvalidParameter(f"Unable to find service offering {offering.uuid}")


def delete(session: Session, caller: Caller, offering: ServiceOffering) -> None:
    live(offering)
    if offering.default_use:
        raise InvalidParameter(
            f"Default service offering {offering.name} is used by the system and cannot be removed"
        )
    check_not_in_use(session, offering)
    offering.mark_removed()
    offering.state = "Inactive"
    _record(session, caller, offering, "DELETE", "deleted")
