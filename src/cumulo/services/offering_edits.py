"""What creating and editing an offering (disk, service, network, VPC) have in common.

Every kind carries the same editable basics (name, display text, sort key,
state), the same domain and zone restrictions, and the same event pattern;
only their own fields differ, so those stay in their modules. Network and VPC
offerings also list their services with providers, in a table of their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter
from cumulo.services import events, offering_scope
from cumulo.services.network_services import ServiceSet


class Offering(Protocol):
    id: Any
    uuid: Any
    name: Any
    display_text: Any
    sort_key: Any
    state: Any


def offering_state(value: str) -> str:
    for state in ("Active", "Inactive"):
        if value.strip().lower() == state.lower():
            return state
    raise InvalidParameter(f"Invalid state {value!r}; use Active or Inactive")


def update_basics(
    offering: Offering,
    values: dict[str, Any],
    label: str,
    state: Callable[[str], str] = offering_state,
) -> None:
    """``label`` names the kind in messages ("Disk offering"); ``state`` checks a new state.

    Disk and service offerings are Active/Inactive, network and VPC offerings
    Enabled/Disabled.
    """
    if values.get("name") is not None:
        if not values["name"].strip():
            raise InvalidParameter(f"{label} name must not be empty")
        offering.name = values["name"].strip()
    if values.get("displaytext") is not None:
        offering.display_text = values["displaytext"]
    if values.get("sortkey") is not None:
        offering.sort_key = values["sortkey"]
    if values.get("state") is not None:
        offering.state = state(values["state"])


def update_scope(
    session: Session, kind: str, offering: Offering, values: dict[str, Any], *, system: bool
) -> None:
    """New domain/zone restrictions, when given; system offerings serve every domain."""
    if values.get("domainid") is not None:
        domains = offering_scope.resolve_domains(session, values["domainid"])
        refuse_system_domains(system, domains)
        offering_scope.set_domains(session, kind, offering.id, domains)
    if values.get("zoneid") is not None:
        zones = offering_scope.resolve_zones(session, values["zoneid"])
        offering_scope.set_zones(session, kind, offering.id, zones)


def refuse_system_domains(system: bool, domains: list[Domain]) -> None:
    if system and domains:
        raise InvalidParameter("System offerings cannot be restricted to domains")


def store(
    session: Session,
    kind: str,
    offering: Offering,
    domains: list[Domain],
    zones: list[Any],
) -> None:
    """Insert a new offering with its restrictions (the id is needed for them)."""
    session.add(offering)
    session.flush()
    offering_scope.set_domains(session, kind, offering.id, domains)
    offering_scope.set_zones(session, kind, offering.id, zones)


def record(
    session: Session, caller: Caller, offering: Offering, event: str, text: str, resource: str
) -> None:
    """``event`` e.g. "DISK.OFFERING.EDIT"; ``text`` e.g. "updated disk offering"."""
    events.record(
        session,
        caller,
        event,
        f"Successfully {text} {offering.name}",
        resource_type=resource,
        resource_uuid=offering.uuid,
    )


def services_of(session: Session, model: Any, offering: Any) -> ServiceSet:
    """The services of a network or VPC offering; ``model`` is its service table."""
    rows = session.execute(
        select(model.service, model.provider)
        .where(model.offering_id == offering.id)
        .order_by(model.id)
    )
    result = ServiceSet(capabilities=json.loads(offering.capabilities or "{}"))
    for service, provider in rows:
        result.providers.setdefault(service, [])
        if provider:
            result.providers[service].append(provider)
    return result


def store_services(session: Session, model: Any, offering_id: int, services: ServiceSet) -> None:
    """Replace an offering's (service, provider) rows; a service without provider has ''."""
    session.execute(sql_delete(model).where(model.offering_id == offering_id))
    session.add_all(service_rows(model, offering_id, services))


def service_rows(model: Any, offering_id: int, services: ServiceSet) -> list[Any]:
    """An offering's (service, provider) rows, not yet added to a session."""
    return [
        model(offering_id=offering_id, service=service, provider=provider)
        for service in services.names()
        for provider in services.providers[service] or [""]
    ]
