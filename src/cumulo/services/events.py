"""Recording events (the audit trail ``listEvents`` shows), archiving and deleting them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.event import Event
from cumulo.errors import InvalidParameter, PermissionDenied


def record(
    session: Session,
    caller: Caller,
    type: str,
    description: str,
    *,
    level: str = "INFO",
    state: str = "Completed",
    resource_type: str | None = None,
    resource_uuid: str | None = None,
    account_id: int | None = None,
    domain_id: int | None = None,
    domain_path: str | None = None,
) -> Event:
    """Add an event in the caller's transaction, so it exists iff the action does.

    The owner defaults to the caller; pass the affected account's ids when an
    admin acts on another account's resource.
    """
    event = Event(
        type=type,
        description=description,
        level=level,
        state=state,
        user_id=caller.user_id,
        account_id=account_id if account_id is not None else caller.account_id,
        domain_id=domain_id if domain_id is not None else caller.domain_id,
        domain_path=domain_path if domain_path is not None else caller.domain_path,
        resource_type=resource_type,
        resource_uuid=resource_uuid,
    )
    session.add(event)
    return event


def record_for(
    session: Session,
    caller: Caller,
    row: Any,
    resource_type: str,
    type: str,
    text: str,
    level: str = "INFO",
) -> Event:
    """An event about an account-owned resource ``row`` (uuid, account_id, domain_id,
    domain_path), owned by the resource's account."""
    return record(
        session,
        caller,
        type,
        text,
        level=level,
        resource_type=resource_type,
        resource_uuid=row.uuid,
        account_id=row.account_id,
        domain_id=row.domain_id,
        domain_path=row.domain_path,
    )


def select_owned(
    session: Session,
    caller: Caller,
    ids: list[Event] | None,
    type: str | None,
    start: datetime | None,
    end: datetime | None,
) -> list[Event]:
    """Events to archive or delete: the filters, within what the caller may touch.

    A user touches only its own account's events, an admin its domain subtree.
    Naming an event outside that is refused as a whole, as CloudStack does.
    """
    if not ids and type is None and end is None:
        raise InvalidParameter("either ids, type or enddate must be specified")
    if start is not None and end is None:
        raise InvalidParameter("enddate must be specified with startdate parameter")
    stmt = select(Event)
    if ids:
        stmt = stmt.where(Event.id.in_([e.id for e in ids]))
    if type is not None:
        stmt = stmt.where(Event.type == type)
    if start is not None:
        stmt = stmt.where(Event.created >= start)
    if end is not None:
        stmt = stmt.where(Event.created <= end)
    found = list(session.execute(stmt.order_by(Event.id)).scalars())
    allowed = [e for e in found if _may_touch(caller, e)]
    if ids:
        refused = [e for e in ids if e not in allowed]
        if refused:
            raise PermissionDenied(
                f"Account {caller.account_name} may not change events "
                f"{', '.join(e.uuid for e in refused)}; no event was changed",
                uuids=[(e.uuid, "eventId") for e in refused],
            )
    return allowed


def _may_touch(caller: Caller, event: Event) -> bool:
    if not caller.is_admin:
        return event.account_id == caller.account_id
    return caller.can_see_domain_path(event.domain_path)


def archive(session: Session, chosen: list[Event]) -> None:
    ids = [e.id for e in chosen]
    if ids:
        session.execute(update(Event).where(Event.id.in_(ids)).values(archived=True))


def remove(session: Session, chosen: list[Event]) -> None:
    ids = [e.id for e in chosen]
    if ids:
        session.execute(delete(Event).where(Event.id.in_(ids)))
