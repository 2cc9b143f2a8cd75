"""Regions (listRegions, addRegion, updateRegion, removeRegion)."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import INTEGER, STRING, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.region import region_view
from cumulo.db.models.region import Region
from cumulo.services import regions


@command(
    "listRegions",
    params=[
        Param("id", INTEGER, description="List Region by region ID."),
        Param("name", STRING, description="List Region by region name."),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="region",
    response_class="RegionResponse",
)
def list_regions(call: Call, args: Args) -> ListResult:
    """Lists Regions"""
    stmt = select(Region)
    if args.id is not None:
        stmt = stmt.where(Region.id == args.id)
    if args.name is not None:
        stmt = stmt.where(Region.name == args.name)
    if args.keyword:
        stmt = stmt.where(Region.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Region.id), call, args)
    return ListResult([region_view(r) for (r,) in rows], count)


@command(
    "addRegion",
    params=[
        Param("id", INTEGER, required=True, description="Id of the Region"),
        Param("name", STRING, required=True, description="Name of the region"),
        Param("endpoint", STRING, required=True, description="Region service endpoint"),
    ],
    object_name="region",
    response_class="RegionResponse",
)
def add_region(call: Call, args: Args) -> ObjectResult:
    """Adds a Region"""
    return ObjectResult(region_view(regions.add(call.db, args.id, args.name, args.endpoint)))


@command(
    "updateRegion",
    params=[
        Param("id", INTEGER, required=True, description="Id of region to update"),
        Param("name", STRING, description="updates region with this name"),
        Param("endpoint", STRING, description="updates region with this end point"),
    ],
    object_name="region",
    response_class="RegionResponse",
)
def update_region(call: Call, args: Args) -> ObjectResult:
    """Updates a region"""
    region = regions.update(call.db, args.id, args.name, args.endpoint)
    return ObjectResult(region_view(region))


@command(
    "removeRegion",
    params=[Param("id", INTEGER, required=True, description="ID of the region to delete")],
    response_class="SuccessResponse",
)
def remove_region(call: Call, args: Args) -> SuccessResult:
    """Removes specified region"""
    regions.remove(call.db, args.id)
    return SuccessResult()
