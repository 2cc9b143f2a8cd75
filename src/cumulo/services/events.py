"""Recording events (the audit trail ``listEvents`` shows)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.event import Event


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
