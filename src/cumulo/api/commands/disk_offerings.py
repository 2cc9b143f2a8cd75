"""Disk offering commands (§6.5)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.offering_params import DISK_PARAMS, RATE_PARAMS_DECL
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, LONG, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY, ALL_ROLES
from cumulo.api.views.offering import disk_offering_view
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.errors import PermissionDenied
from cumulo.services import disk_offerings, offering_scope
from cumulo.services.offering_edits import offering_state


@command(
    "createDiskOffering",
    params=[
        Param("name", STRING, required=True, description="name of the disk offering"),
        Param(
            "displaytext",
            STRING,
            length=4096,
            description="An alternate display text of the disk offering, defaults to 'name'.",
        ),
        Param(
            "disksize",
            LONG,
            description="size of the disk offering in GB (1GB = 1,073,741,824 bytes)",
        ),
        Param("customized", BOOLEAN, description="whether disk offering size is custom or not"),
        Param("tags", STRING, length=4096, description="tags for the disk offering"),
        Param(
            "domainid",
            LIST,
            collection=UUID,
            entity="Domain",
            description="the ID of the containing domain(s), null for public offerings",
        ),
        Param(
            "zoneid",
            LIST,
            collection=UUID,
            since="4.13",
            description="the ID of the containing zone(s), null for public offerings",
        ),
        Param(
            "displayoffering",
            BOOLEAN,
            description="an optional field, whether to display "
            "the offering to the end user or not.",
        ),
        Param(
            "disksizestrictness",
            BOOLEAN,
            since="4.17",
            description="To allow or disallow "
            "the resize operation on the disks created from this disk offering",
        ),
        Param(
            "encrypt",
            BOOLEAN,
            since="4.18",
            description="Volumes using this offering should be encrypted",
        ),
        Param(
            "details", MAP, since="4.16", description="details to specify disk offering parameters"
        ),
        # The disk command has had the IOPS parameters from the start (no "since").
        *[replace(p, since=None) if p.since == "4.4" else p for p in DISK_PARAMS],
        *RATE_PARAMS_DECL,
    ],
    roles=ADMIN_ONLY,
    object_name="diskoffering",
    response_class="DiskOfferingResponse",
)
def create_disk_offering(call: Call, args: Args) -> ObjectResult:
    """Creates a disk offering."""
    values = args.as_dict()
    values["domainid"] = [d.uuid for d in args.domainid or []]
    offering = disk_offerings.create(call.db, call.caller, values)
    return ObjectResult(disk_offering_view(call.db, offering))


@command(
    "updateDiskOffering",
    params=[
        Param(
            "id", UUID, required=True, entity="DiskOffering", description="ID of the disk offering"
        ),
        Param("name", STRING, description="updates name of the disk offering with this value"),
        Param(
            "displaytext",
            STRING,
            length=4096,
            description="updates alternate display text of the disk offering with this value",
        ),
        Param("sortkey", INTEGER, description="sort key of the disk offering, integer"),
        Param("state", STRING, description="state of the disk offering"),
        Param(
            "displayoffering",
            BOOLEAN,
            description="an optional field, whether to display "
            "the offering to the end user or not.",
        ),
        Param(
            "tags",
            STRING,
            since="4.15",
            description="comma-separated list of tags for the "
            "disk offering, tags should match with existing storage pool tags",
        ),
        Param(
            "domainid",
            STRING,
            length=4096,
            since="4.13",
            description="the ID of the "
            'containing domain(s), json list of ids, "public" for public offerings',
        ),
        Param(
            "zoneid",
            STRING,
            since="4.13",
            description='the ID of the containing zone(s), json list of ids, "all" for all zones',
        ),
        Param(
            "cachemode",
            STRING,
            since="4.15",
            description="the cache mode to use for this disk offering",
        ),
        *[Param(p.name, p.type, since="4.15", description=p.description) for p in RATE_PARAMS_DECL],
    ],
    roles=ADMIN_ONLY,
    object_name="diskoffering",
    response_class="DiskOfferingResponse",
)
def update_disk_offering(call: Call, args: Args) -> ObjectResult:
    """Updates a disk offering."""
    offering = disk_offerings.update(call.db, call.caller, args.id, args.as_dict())
    return ObjectResult(disk_offering_view(call.db, offering))


@command(
    "deleteDiskOffering",
    params=[
        Param(
            "id", UUID, required=True, entity="DiskOffering", description="ID of the disk offering"
        ),
    ],
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def delete_disk_offering(call: Call, args: Args) -> SuccessResult:
    """Updates a disk offering."""
    disk_offerings.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listDiskOfferings",
    params=[
        Param("id", UUID, entity="DiskOffering", description="ID of the disk offering"),
        Param("name", STRING, description="name of the disk offering"),
        *LIST_OWNER,
        Param(
            "zoneid", UUID, since="4.13", description="id of zone disk offering is associated with"
        ),
        Param(
            "volumeid",
            UUID,
            since="4.17",
            description="The ID of the volume, tags of the volume are used to filter the offerings",
        ),
        Param(
            "storageid",
            UUID,
            since="4.17",
            description="The ID of the storage pool, tags of "
            "the storage pool are used to filter the offerings",
        ),
        Param(
            "encrypt", BOOLEAN, since="4.18", description="listed offerings support disk encryption"
        ),
        Param(
            "state",
            STRING,
            since="4.19",
            description="Filter by state of the disk offering. "
            "Defaults to 'Active'. If set to 'all' shows both Active & Inactive offerings.",
        ),
        Param(
            "storagetype",
            STRING,
            since="4.19",
            description="the storage type of the disk offering. Values are local and shared.",
        ),
        Param(
            "virtualmachineid",
            UUID,
            since="4.20.0",
            description="The ID of a virtual "
            "machine. Pass this in if you want to see the suitable disk offering that can be "
            "used to create and add a disk to the virtual machine.",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="diskoffering",
    response_class="DiskOfferingResponse",
)
def list_disk_offerings(call: Call, args: Args) -> ListResult:
    """Lists all available disk offerings."""
    stmt = _filtered(call, args).order_by(DiskOffering.sort_key, DiskOffering.id)
    rows, count = fetch_page(call.db, stmt, call, args)
    return ListResult([disk_offering_view(call.db, r[0]) for r in rows], count)


def _filtered(call: Call, args: Args):  # type: ignore[no-untyped-def]
    offering_scope.refuse_filters(args.as_dict(), "virtualmachineid", "volumeid", "storageid")
    Off = DiskOffering
    stmt = select(Off).where(Off.removed.is_(None), Off.system_use.is_(False))
    stmt = stmt.where(offering_scope.visible_to(call.caller, "disk", Off.id))
    if not call.caller.is_admin:
        stmt = stmt.where(Off.display_offering.is_(True))
    if args.id is not None:
        stmt = stmt.where(Off.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(Off.name == args.name)
    if args.keyword:
        stmt = stmt.where(
            Off.name.contains(args.keyword, autoescape=True)
            | Off.display_text.contains(args.keyword, autoescape=True)
        )
    if args.domainid is not None:
        if not call.caller.can_see_domain_path(args.domainid.path):
            raise PermissionDenied(
                f"Caller does not have permission to access domain {args.domainid.uuid}"
            )
        stmt = stmt.where(
            offering_scope.in_domain(
                args.domainid, "disk", Off.id, recursive=bool(args.isrecursive)
            )
        )
    if args.zoneid is not None:
        zone = offering_scope.find_zone(call.db, args.zoneid)
        stmt = stmt.where(offering_scope.in_zone(zone.id, "disk", Off.id))
    state = (args.state or "Active").lower()
    if state != "all":
        stmt = stmt.where(Off.state == offering_state(state))
    if args.storagetype is not None:
        stmt = stmt.where(Off.storage_type == args.storagetype.lower())
    if args.encrypt is not None:
        stmt = stmt.where(Off.encrypt.is_(args.encrypt))
    return stmt
