"""Guest OS commands (§6.6): listOsTypes, listOsCategories and the admin edits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY, ALL_ROLES
from cumulo.db.models.guest_os import GuestOs, GuestOsCategory
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import guest_os


def os_view(os: GuestOs, category: GuestOsCategory) -> dict[str, Any]:
    return {
        "id": os.uuid,
        "oscategoryid": category.uuid,
        "oscategoryname": category.name,
        "name": os.name,
        "description": os.display_name,
        "isuserdefined": os.is_user_defined,
        "fordisplay": os.for_display,
    }


def _os_result(session: Session, os_id: object) -> ObjectResult:
    os = session.get(GuestOs, os_id)
    assert os is not None
    category = session.get(GuestOsCategory, os.category_id)
    assert category is not None
    return ObjectResult(os_view(os, category))


@command(
    "listOsTypes",
    params=[
        Param("id", UUID, entity="GuestOs", description="list by Os type Id"),
        Param("oscategoryid", UUID, entity="GuestOsCategory", description="list by Os Category id"),
        Param("description", STRING, since="3.0.1", description="list os by description"),
        Param(
            "fordisplay",
            BOOLEAN,
            since="4.18.1",
            description="list resources by display "
            "flag; only ROOT admin is eligible to pass this parameter",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="ostype",
    response_class="GuestOSResponse",
)
def list_os_types(call: Call, args: Args) -> ListResult:
    """Lists all supported OS types for this cloud."""
    stmt = (
        select(GuestOs, GuestOsCategory)
        .join(GuestOsCategory, GuestOsCategory.id == GuestOs.category_id)
        .where(GuestOs.removed.is_(None))
    )
    if args.id is not None:
        stmt = stmt.where(GuestOs.id == args.id.id)
    if args.oscategoryid is not None:
        stmt = stmt.where(GuestOs.category_id == args.oscategoryid.id)
    for text in (args.description, args.keyword):
        if text:
            stmt = stmt.where(GuestOs.display_name.contains(text, autoescape=True))
    if args.fordisplay is not None and call.caller.is_root_admin:
        stmt = stmt.where(GuestOs.for_display.is_(args.fordisplay))
    elif not call.caller.is_root_admin:
        stmt = stmt.where(GuestOs.for_display.is_(True))
    rows, count = fetch_page(call.db, stmt.order_by(GuestOs.id), call, args)
    return ListResult([os_view(o, c) for o, c in rows], count)


@command(
    "listOsCategories",
    params=[
        Param("id", UUID, entity="GuestOsCategory", description="list Os category by id"),
        Param("name", STRING, since="3.0.1", description="list os category by name"),
        Param(
            "isfeatured",
            BOOLEAN,
            since="4.21.0",
            description="List available OS categories by featured or not",
        ),
        Param(
            "isiso",
            BOOLEAN,
            since="4.21.0",
            description="List OS category types available for given ISO or template",
        ),
        Param(
            "isvnf", BOOLEAN, since="4.21.0", description="List OS category types for VNF templates"
        ),
        Param(
            "zoneid",
            UUID,
            since="4.21.0",
            description="List available OS categories types for the zone",
        ),
        Param(
            "arch",
            STRING,
            since="4.21.0",
            description="List OS categories for which an image is available with this architecture",
        ),
        Param(
            "showicon",
            BOOLEAN,
            since="4.21.0",
            description="flag to display the resource image for the OS category",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="oscategory",
    response_class="GuestOSCategoryResponse",
)
def list_os_categories(call: Call, args: Args) -> ListResult:
    """Lists all supported OS categories for this cloud."""
    C = GuestOsCategory
    stmt = select(C)
    if args.id is not None:
        stmt = stmt.where(C.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(C.name == args.name)
    if args.keyword:
        stmt = stmt.where(C.name.contains(args.keyword, autoescape=True))
    if args.isfeatured is not None:
        stmt = stmt.where(C.is_featured.is_(args.isfeatured))
    rows, count = fetch_page(call.db, stmt.order_by(C.id), call, args)
    items = [
        {"id": c.uuid, "name": c.name, "isfeatured": c.is_featured, "created": c.created}
        for (c,) in rows
    ]
    return ListResult(items, count)


@command(
    "addGuestOs",
    params=[
        Param(
            "oscategoryid",
            UUID,
            required=True,
            entity="GuestOsCategory",
            description="ID of Guest OS category",
        ),
        Param(
            "osdisplayname", STRING, required=True, description="Unique display name for Guest OS"
        ),
        Param("name", STRING, description="Optional name for Guest OS"),
        Param("details", MAP, description="Map of (key/value pairs)"),
        Param(
            "forDisplay", BOOLEAN, description="whether this guest OS is available for end users"
        ),
    ],
    kind=Kind.ASYNC_CREATE,
    roles=ADMIN_ONLY,
    instance_type="GuestOs",
    object_name="ostype",
    response_class="GuestOSResponse",
)
def add_guest_os(call: Call, args: Args) -> Enqueue:
    """Add a new guest OS type"""
    os = guest_os.add(call.db, call.caller, args.as_dict())
    return Enqueue({"os_id": os.id}, instance_uuid=os.uuid)


@add_guest_os.execute
def _add_guest_os(job: JobRun, payload: dict[str, object]) -> ObjectResult:
    return job.transaction(lambda s: _os_result(s, payload["os_id"]))


@command(
    "updateGuestOs",
    params=[
        Param("id", UUID, required=True, entity="GuestOs", description="UUID of the Guest OS"),
        Param("osdisplayname", STRING, description="Unique display name for Guest OS"),
        Param(
            "oscategoryid",
            UUID,
            entity="GuestOsCategory",
            since="4.21.0",
            description="the ID of the OS category",
        ),
        Param("details", MAP, description="Map of (key/value pairs)"),
        Param(
            "forDisplay", BOOLEAN, description="whether this guest OS is available for end users"
        ),
    ],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    instance_type="GuestOs",
    object_name="ostype",
    response_class="GuestOSResponse",
)
def update_guest_os(call: Call, args: Args) -> Enqueue:
    """Updates the information about Guest OS"""
    if (
        args.osdisplayname is None
        and args.details is None
        and args.fordisplay is None
        and (args.oscategoryid is None)
    ):
        raise InvalidParameter(
            "Give at least one of osdisplayname, oscategoryid, details, forDisplay to update"
        )
    os = guest_os.update(call.db, call.caller, args.id, args.as_dict())
    return Enqueue({"os_id": os.id}, instance_uuid=os.uuid)


@update_guest_os.execute
def _update_guest_os(job: JobRun, payload: dict[str, object]) -> ObjectResult:
    return job.transaction(lambda s: _os_result(s, payload["os_id"]))


@command(
    "removeGuestOs",
    params=[Param("id", UUID, required=True, entity="GuestOs", description="ID of the guest OS")],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    instance_type="GuestOs",
    response_class="SuccessResponse",
)
def remove_guest_os(call: Call, args: Args) -> Enqueue:
    """Removes a Guest OS from listing."""
    guest_os.remove(call.db, call.caller, args.id)
    return Enqueue({}, instance_uuid=args.id.uuid)


@remove_guest_os.execute
def _remove_guest_os(job: JobRun, payload: dict[str, object]) -> SuccessResult:
    return SuccessResult()
