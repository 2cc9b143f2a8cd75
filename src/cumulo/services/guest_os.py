"""Guest OS types: admins add, update and remove their own (user-defined) entries."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.guest_os import GuestOs, GuestOsCategory
from cumulo.errors import InvalidParameter
from cumulo.services import events


def _details(raw: dict[int, dict[str, str]] | None) -> str | None:
    if not raw:
        return None
    merged: dict[str, str] = {}
    for record in raw.values():
        merged.update(record)
    return json.dumps(merged, sort_keys=True)


def _check_unique(session: Session, display_name: str, exclude: int | None = None) -> None:
    stmt = select(GuestOs.id).where(GuestOs.display_name == display_name, GuestOs.removed.is_(None))
    if exclude is not None:
        stmt = stmt.where(GuestOs.id != exclude)
    if session.execute(stmt).first():
        raise InvalidParameter(f"Guest OS with display name {display_name!r} already exists")


def add(session: Session, caller: Caller, values: dict[str, Any]) -> GuestOs:
    category: GuestOsCategory = values["oscategoryid"]
    display_name = values["osdisplayname"].strip()
    if not display_name:
        raise InvalidParameter("osdisplayname must not be empty")
    _check_unique(session, display_name)
    os = GuestOs(
        category_id=category.id,
        name=values.get("name"),
        display_name=display_name,
        is_user_defined=True,
        for_display=values.get("fordisplay") is not False,
        details=_details(values.get("details")),
    )
    session.add(os)
    session.flush()
    events.record(
        session,
        caller,
        "GUEST.OS.ADD",
        f"Added guest OS {display_name}",
        resource_type="GuestOs",
        resource_uuid=os.uuid,
    )
    return os


def _user_defined(os: GuestOs, action: str) -> None:
    if os.removed is not None:
        raise InvalidParameter(f"Unable to find guest OS {os.uuid}")
    if not os.is_user_defined:
        raise InvalidParameter(
            f"Unable to {action} guest OS {os.display_name!r}: it is system defined; only "
            "guest OS types added with addGuestOs can be changed"
        )


def update(session: Session, caller: Caller, os: GuestOs, values: dict[str, Any]) -> GuestOs:
    _user_defined(os, "update")
    if values.get("osdisplayname") is not None:
        name = values["osdisplayname"].strip()
        if not name:
            raise InvalidParameter("osdisplayname must not be empty")
        _check_unique(session, name, exclude=os.id)
        os.display_name = name
    if values.get("oscategoryid") is not None:
        os.category_id = values["oscategoryid"].id
    if values.get("fordisplay") is not None:
        os.for_display = values["fordisplay"]
    if values.get("details") is not None:
        os.details = _details(values["details"])
    events.record(
        session,
        caller,
        "GUEST.OS.UPDATE",
        f"Updated guest OS {os.display_name}",
        resource_type="GuestOs",
        resource_uuid=os.uuid,
    )
    return os


def remove(session: Session, caller: Caller, os: GuestOs) -> None:
    _user_defined(os, "remove")
    os.mark_removed()
    events.record(
        session,
        caller,
        "GUEST.OS.REMOVE",
        f"Removed guest OS {os.display_name}",
        resource_type="GuestOs",
        resource_uuid=os.uuid,
    )
