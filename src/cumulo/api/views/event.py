"""EventResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.domain import pretty_path
from cumulo.db.models.event import Event


def event_view(
    event: Event,
    username: str | None,
    account: str | None,
    domain_uuid: str | None,
    domain_name: str | None,
    parent_uuid: str | None,
) -> dict[str, Any]:
    return {
        "id": event.uuid,
        "username": username,
        "type": event.type,
        "level": event.level,
        "description": event.description,
        "account": account,
        "domainid": domain_uuid,
        "domain": domain_name,
        "domainpath": pretty_path(event.domain_path),
        "resourceid": event.resource_uuid,
        "resourcetype": event.resource_type,
        "created": event.created,
        "state": event.state,
        "parentid": parent_uuid,
        "archived": event.archived,
    }
