"""What creating and editing a disk or service offering have in common.

Both kinds carry the same editable basics (name, display text, sort key,
state), the same domain and zone restrictions, and the same event pattern;
only their own fields differ, so those stay in their modules.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter
from cumulo.services import events, offering_scope


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


def update_basics(offering: Offering, values: dict[str, Any], label: str) -> None:
    """``label`` names the kind in messages ("Disk offering", "Service offering")."""
    if values.get("name") is not None:
        if not values["name"].strip():
            raise InvalidParameter(f"{label} name must not be empty")
        offering.name = values["name"].strip()
    if values.get("displaytext") is not None:
        offering.display_text = values["displaytext"]
    if values.get("sortkey") is not None:
        offering.sort_key = values["sortkey"]
    if values.get("state") is not None:
        offering.state = offering_state(values["state"])


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
