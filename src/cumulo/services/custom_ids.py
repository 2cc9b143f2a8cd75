"""``customid``: a root admin gives a resource a UUID of their choice.

CloudStack's update commands take it for resources that are also created
elsewhere (another cloud, a CMDB) and should keep that system's id. Only the
root admin may set one; it must be a lower-case UUID that no other resource of
the same type has — the unique ``uuid`` column decides under concurrency.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.errors import InvalidParameter, PermissionDenied

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def apply(session: Session, caller: Caller, row: Any, custom_id: str | None) -> None:
    """Give ``row`` (an Entity) the UUID ``custom_id``; nothing when it is None."""
    if custom_id is None or custom_id == row.uuid:
        return
    if not caller.is_root_admin:
        raise PermissionDenied(
            "Please check your permissions, you are not allowed to create/update custom id"
        )
    if not _UUID.match(custom_id):
        raise InvalidParameter(
            f"UUID: {custom_id} doesn't follow the UUID format (lower-case 8-4-4-4-12 hex)"
        )
    model = type(row)
    taken = f"UUID: {custom_id} already exists so can't create/update with custom id"
    if session.execute(select(model.id).where(model.uuid == custom_id)).first() is not None:
        raise InvalidParameter(taken)
    try:
        with session.begin_nested():
            row.uuid = custom_id
            session.flush()
    except IntegrityError:
        raise InvalidParameter(taken) from None
