"""Zone commands (§6.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.capacity import capacity_view
from cumulo.api.views.infra_names import Names
from cumulo.api.views.zone import zone_view
from cumulo.db.models.domain import Domain
from cumulo.db.models.zone import Zone
from cumulo.services import capacity, zones
from cumulo.services.infra_common import flatten_details

_DNS = [
    Param("dns1", STRING, description="the first DNS for the Zone"),
    Param("dns2", STRING, description="the second DNS for the Zone"),
    Param("internaldns1", STRING, description="the first internal DNS for the Zone"),
    Param("internaldns2", STRING, description="the second internal DNS for the Zone"),
    Param("ip6dns1", STRING, description="the first DNS for IPv6 network in the Zone"),
    Param("ip6dns2", STRING, description="the second DNS for IPv6 network in the Zone"),
    Param("guestcidraddress", STRING, description="the guest CIDR address for the Zone"),
    Param("domain", STRING, description="Network domain name for the networks in the zone"),
    Param("localstorageenabled", BOOLEAN, description="true if local storage offering enabled"),
    Param("allocationstate", STRING, description="Allocation state of this Zone for allocation"),
]


def _spec(args: Args) -> zones.ZoneSpec:
    return zones.ZoneSpec(
        name=args.name,
        dns1=args.dns1,
        dns2=args.dns2,
        ip6_dns1=args.ip6dns1,
        ip6_dns2=args.ip6dns2,
        internal_dns1=args.internaldns1,
        internal_dns2=args.internaldns2,
        guest_cidr=args.guestcidraddress,
        network_domain=args.domain,
        local_storage_enabled=args.localstorageenabled,
        allocation_state=args.allocationstate,
    )


def _view(
    call: Call, zone: Zone, capacity_items: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    details = zones.details_of(call.db, [zone.id]).get(zone.id)
    domain = call.db.get(Domain, zone.domain_id) if zone.domain_id else None
    return zone_view(
        zone,
        details=details,
        domain=(domain.uuid, domain.name) if domain else None,
        capacity=capacity_items,
        full=call.caller.is_root_admin,
    )


@command(
    "createZone",
    params=[
        *[p for p in _DNS if p.key not in ("dns1", "internaldns1")],
        Param("dns1", STRING, required=True, description="the first DNS for the Zone"),
        Param("internaldns1", STRING, required=True, description="the first internal DNS"),
        Param("name", STRING, required=True, description="the name of the Zone"),
        Param("networktype", STRING, required=True, description="network type: Basic or Advanced"),
        Param("domainid", UUID, entity="Domain", description="the ID of the containing domain"),
        Param("isedge", BOOLEAN, since="4.18.0", description="true if the zone is an edge zone"),
        Param(
            "securitygroupenabled", BOOLEAN, description="true if network is security group enabled"
        ),
        Param(
            "storageaccessgroups",
            LIST,
            collection=STRING,
            since="4.21.0",
            description="storage access groups",
        ),
    ],
    object_name="zone",
    response_class="ZoneResponse",
)
def create_zone(call: Call, args: Args) -> ObjectResult:
    """Creates a Zone."""
    spec = _spec(args)
    spec.network_type = args.networktype
    spec.domain = args.domainid
    spec.security_group_enabled = args.securitygroupenabled
    spec.is_edge = args.isedge
    return ObjectResult(_view(call, zones.create(call.db, call.caller, spec)))


@command(
    "updateZone",
    params=[
        *_DNS,
        Param("id", UUID, required=True, entity="Zone", description="the ID of the Zone"),
        Param("name", STRING, description="the name of the Zone"),
        Param("details", MAP, description="the details for the Zone"),
        Param("dhcpprovider", STRING, description="the dhcp Provider for the Zone"),
        Param("dnssearchorder", LIST, collection=STRING, description="the dns search order list"),
        Param("ispublic", BOOLEAN, description="updates a private zone to public if set"),
        Param("sortkey", INTEGER, description="sort key of the zone"),
    ],
    object_name="zone",
    response_class="ZoneResponse",
)
def update_zone(call: Call, args: Args) -> ObjectResult:
    """Updates a Zone."""
    spec = _spec(args)
    spec.dhcp_provider, spec.sort_key = args.dhcpprovider, args.sortkey
    zone = zones.update(call.db, call.caller, args.id, spec, flatten_details(args.details))
    if args.ispublic:
        zone.domain_id = None
    return ObjectResult(_view(call, zone))


@command(
    "deleteZone",
    params=[Param("id", UUID, required=True, entity="Zone", description="the ID of the Zone")],
    response_class="SuccessResponse",
)
def delete_zone(call: Call, args: Args) -> SuccessResult:
    """Deletes a Zone."""
    zones.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listZones",
    params=[
        Param("available", BOOLEAN, description="true to list zones the caller may deploy in"),
        Param("domainid", UUID, entity="Domain", description="the ID of the domain"),
        Param("id", UUID, entity="Zone", description="the ID of the zone"),
        Param("ids", LIST, collection=UUID, since="4.19.0", entity="Zone", description="zone ids"),
        Param("name", STRING, description="the name of the zone"),
        Param("networktype", STRING, description="the network type of the zone"),
        Param("showcapacities", BOOLEAN, description="flag to display the capacity of the zones"),
        Param("showicon", BOOLEAN, description="flag to display the resource image"),
        Param("storageaccessgroup", STRING, since="4.21.0", description="storage access group"),
        Param("tags", MAP, since="4.3", description="List zones by resource tags"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="zone",
    response_class="ZoneResponse",
)
def list_zones(call: Call, args: Args) -> ListResult:
    """Lists zones"""
    stmt = select(Zone).where(Zone.removed.is_(None))
    caller = call.caller
    if not caller.is_root_admin:
        # Others see enabled zones that are public or dedicated to their domain tree.
        visible = select(Domain.id).where(Domain.path.in_(_ancestor_paths(caller.domain_path)))
        stmt = stmt.where(
            Zone.allocation_state == "Enabled",
            or_(Zone.domain_id.is_(None), Zone.domain_id.in_(visible)),
        )
    if args.id is not None:
        stmt = stmt.where(Zone.id == args.id.id)
    if args.ids:
        stmt = stmt.where(Zone.id.in_([z.id for z in args.ids]))
    if args.name is not None:
        stmt = stmt.where(Zone.name == args.name)
    if args.networktype is not None:
        stmt = stmt.where(Zone.network_type.ilike(args.networktype))
    if args.domainid is not None:
        stmt = stmt.where(Zone.domain_id == args.domainid.id)
    if args.keyword:
        stmt = stmt.where(Zone.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Zone.sort_key, Zone.id), call, args)
    items = []
    for (zone,) in rows:
        caps = None
        if args.showcapacities and caller.is_root_admin:
            found = capacity.compute(call.db, capacity.Where(zone_id=zone.id))
            names = Names.load(call.db, [zone])
            caps = [capacity_view(c, names) for c in found]
        items.append(_view(call, zone, caps))
    return ListResult(items, count)


def _ancestor_paths(path: str) -> list[str]:
    """``/a/b/`` → ``["/", "/a/", "/a/b/"]``."""
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
