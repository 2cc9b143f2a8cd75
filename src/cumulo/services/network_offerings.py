"""Network offerings: create, update, delete; what a guest network may be built from."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.network_offering import NetworkOffering, NetworkOfferingService
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events, network_services, offering_edits, offering_scope
from cumulo.services.disk_rules import normalise_tags
from cumulo.services.network_services import ServiceSet, canonical

KIND = "network"
GUEST_TYPES = ("Isolated", "Shared", "L2")
AVAILABILITIES = ("Required", "Optional")
STATES = ("Enabled", "Disabled")

UsageCheck = Callable[[Session, NetworkOffering], str | None]
_usage_checks: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> UsageCheck:
    """Networks register a function telling whether an offering is still used."""
    _usage_checks.append(check)
    return check


def services_of(session: Session, offering: NetworkOffering) -> ServiceSet:
    return offering_edits.services_of(session, NetworkOfferingService, offering)


def store_services(session: Session, offering_id: int, services: ServiceSet) -> None:
    offering_edits.store_services(session, NetworkOfferingService, offering_id, services)


def _check_combination(guest: str, services: ServiceSet, values: dict[str, Any]) -> None:
    names = set(services.names())
    if guest == "L2" and names - {"UserData"}:
        raise InvalidParameter(
            "L2 network offerings support no services but UserData (ConfigDrive); remove "
            + ", ".join(sorted(names - {"UserData"}))
        )
    if values.get("forvpc") and guest != "Isolated":
        raise InvalidParameter(
            "A VPC network offering (forvpc=true) must have guestiptype Isolated"
        )
    if "SourceNat" in names and guest != "Isolated":
        raise InvalidParameter("SourceNat service is supported only for Isolated network offerings")
    availability = values.get("availability")
    if availability == "Required" and not (guest == "Isolated" and "SourceNat" in names):
        raise InvalidParameter(
            "Availability Required is applicable only to Isolated offerings with SourceNat service"
        )


def create(session: Session, caller: Caller, values: dict[str, Any]) -> NetworkOffering:
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidParameter("Network offering name must not be empty")
    guest = canonical(values["guestiptype"], GUEST_TYPES, "guestiptype")
    if values["traffictype"].strip().lower() != "guest":
        raise InvalidParameter(
            f"Invalid traffictype {values['traffictype']!r}: only GUEST offerings can be created"
        )
    default_provider = "VpcVirtualRouter" if values.get("forvpc") else "VirtualRouter"
    if values.get("provider"):
        default_provider = canonical(values["provider"], network_services.PROVIDERS, "provider")
    services = network_services.parse(
        values.get("supportedservices"),
        values.get("serviceproviderlist"),
        values.get("servicecapabilitylist"),
        default_provider,
    )
    if values.get("availability") is not None:
        values["availability"] = canonical(values["availability"], AVAILABILITIES, "availability")
    _check_combination(guest, services, values)
    domains = offering_scope.resolve_domains(session, values.get("domainid"))
    zones = offering_scope.resolve_zones(session, values.get("zoneid"))
    offering = _new_row(name, guest, values, services)
    offering_edits.store(session, KIND, offering, domains, zones)
    store_services(session, offering.id, services)
    _record(session, caller, offering, "CREATE", "created")
    return offering


def _new_row(
    name: str, guest: str, values: dict[str, Any], services: ServiceSet
) -> NetworkOffering:
    details = {
        r["key"]: r.get("value", "") for r in (values.get("details") or {}).values() if "key" in r
    }
    return NetworkOffering(
        name=name,
        unique_name=name,
        display_text=values.get("displaytext") or name,
        guest_ip_type=guest,
        traffic_type="Guest",
        tags=normalise_tags(values.get("tags")),
        specify_vlan=bool(values.get("specifyvlan")),
        specify_ip_ranges=bool(values.get("specifyipranges")),
        conserve_mode=values.get("conservemode") is not False,
        availability=values.get("availability") or "Optional",
        network_rate=values.get("networkrate"),
        state="Enabled" if values.get("enable") else "Disabled",
        for_vpc=bool(values.get("forvpc")),
        is_persistent=bool(values.get("ispersistent")),
        egress_default_policy=values.get("egressdefaultpolicy") is not False,
        keep_alive_enabled=bool(values.get("keepaliveenabled")),
        max_connections=values.get("maxconnections"),
        internet_protocol=values.get("internetprotocol"),
        service_offering_id=network_services.router_offering_id(values.get("serviceofferingid")),
        capabilities=network_services.dump_capabilities(services),
        details=json.dumps(details) if details else None,
    )


def update(
    session: Session, caller: Caller, offering: NetworkOffering, values: dict[str, Any]
) -> NetworkOffering:
    live(offering)
    if offering.system_only:
        raise InvalidParameter(f"Cannot update system network offering {offering.name}")
    offering_edits.update_basics(offering, values, "Network offering", _state)
    if values.get("availability") is not None:
        availability = canonical(values["availability"], AVAILABILITIES, "availability")
        _check_combination(
            offering.guest_ip_type or "",
            services_of(session, offering),
            {"availability": availability, "forvpc": offering.for_vpc},
        )
        offering.availability = availability
    if values.get("tags") is not None:
        offering.tags = normalise_tags(values["tags"])
    if values.get("keepaliveenabled") is not None:
        offering.keep_alive_enabled = values["keepaliveenabled"]
    if values.get("maxconnections") is not None:
        offering.max_connections = values["maxconnections"]
    offering_edits.update_scope(session, KIND, offering, values, system=False)
    _record(session, caller, offering, "EDIT", "updated")
    return offering


def _state(value: str) -> str:
    return canonical(value, STATES, "state")


def _record(
    session: Session, caller: Caller, offering: NetworkOffering, what: str, done: str
) -> None:
    event = f"NETWORK.OFFERING.{what}"
    text = f"{done} network offering"
    offering_edits.record(session, caller, offering, event, text, "NetworkOffering")


def live(offering: NetworkOffering) -> None:
    if offering.removed is not None:
        raise InvalidParameter(f"Unable to find network offering {offering.uuid}")


def delete(session: Session, caller: Caller, offering: NetworkOffering) -> None:
    live(offering)
    if offering.is_default or offering.system_only:
        raise InvalidParameter(f"Default network offering {offering.name} can't be deleted")
    for check in _usage_checks:
        user = check(session, offering)
        if user:
            raise ResourceInUse(
                f"Unable to delete network offering {offering.name}: it is in use by {user}"
            )
    offering.mark_removed()
    offering.state = "Disabled"
    events.record(
        session,
        caller,
        "NETWORK.OFFERING.DELETE",
        f"Successfully deleted network offering {offering.name}",
        resource_type="NetworkOffering",
        resource_uuid=offering.uuid,
    )
