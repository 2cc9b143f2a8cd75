"""VPC offering commands (§6.5)."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY, ALL_ROLES
from cumulo.api.views.network_offering import vpc_offering_view
from cumulo.db.models.vpc_offering import VpcOffering, VpcOfferingService
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import network_services, offering_scope, vpc_offerings


def _p(name: str, t, description: str, **kw) -> Param:  # type: ignore[no-untyped-def]
    return Param(name, t, description=description, **kw)


def _load(session: Session, offering_id: object) -> VpcOffering:
    offering = session.get(VpcOffering, offering_id)
    assert offering is not None
    return offering


@command(
    "createVPCOffering",
    params=[
        _p("name", STRING, "the name of the vpc offering", required=True),
        _p("displaytext", STRING, "the display text of the vpc offering, defaults to the 'name'"),
        _p("supportedservices", LIST, "services supported by the vpc offering", collection=STRING),
        _p(
            "serviceproviderlist",
            MAP,
            "provider to service mapping. If not specified, the "
            "provider for the service will be mapped to the default provider on the physical "
            "network",
        ),
        _p(
            "servicecapabilitylist",
            MAP,
            "desired service capabilities as part of vpc offering",
            since="4.4",
        ),
        _p(
            "serviceofferingid",
            UUID,
            "the ID of the service offering for the VPC router appliance",
            entity="ServiceOffering",
        ),
        _p(
            "domainid",
            LIST,
            "the ID of the containing domain(s), null for public offerings",
            collection=UUID,
            entity="Domain",
        ),
        _p(
            "zoneid",
            LIST,
            "the ID of the containing zone(s), null for public offerings",
            collection=UUID,
            since="4.13",
        ),
        _p(
            "enable",
            BOOLEAN,
            "set to true if the offering is to be enabled during creation. Default is false",
            since="4.16",
        ),
        _p(
            "internetprotocol",
            STRING,
            "The internet protocol of the offering. Options are ipv4 "
            "and dualstack. Default is ipv4.",
            since="4.17.0",
        ),
        _p(
            "fornsx",
            BOOLEAN,
            "true if network offering is meant to be used for NSX, false otherwise.",
            since="4.20.0",
        ),
        _p("provider", STRING, "Name of the provider providing the service", since="4.21.0"),
        _p(
            "networkmode",
            STRING,
            "Indicates the mode with which the network will operate. "
            "Valid option: NATTED or ROUTED",
            since="4.20.0",
        ),
        _p(
            "nsxsupportlb",
            BOOLEAN,
            "true if network offering for NSX VPC offering supports Load balancer service.",
            since="4.20.0",
        ),
        _p(
            "routingmode",
            STRING,
            "the routing mode for the VPC offering. Supported types are: Static or Dynamic.",
            since="4.20.0",
        ),
        _p(
            "specifyasnumber",
            BOOLEAN,
            "true if the VPC offering supports choosing AS number",
            since="4.20.0",
        ),
    ],
    kind=Kind.ASYNC_CREATE,
    roles=ADMIN_ONLY,
    instance_type="VpcOffering",
    object_name="vpcoffering",
    response_class="VpcOfferingResponse",
)
def create_vpc_offering(call: Call, args: Args) -> Enqueue:
    """Creates VPC offering"""
    for flag in ("fornsx", "nsxsupportlb", "specifyasnumber"):
        if args.get(flag):
            raise InvalidParameter(f"{flag}=true is not supported: no such provider exists")
    if args.routingmode or (args.networkmode and args.networkmode.upper() != "NATTED"):
        raise InvalidParameter("Only NATTED VPC offerings are supported")
    values = args.as_dict()
    values["domainid"] = [d.uuid for d in args.domainid or []]
    if args.provider:
        values["serviceproviderlist"] = {
            i: {"service": s, "provider": args.provider}
            for i, s in enumerate(args.supportedservices or [])
        }
    offering = vpc_offerings.create(call.db, call.caller, values)
    return Enqueue({"offering_id": offering.id}, instance_uuid=offering.uuid)


@create_vpc_offering.execute
def _create_vpc_offering(job: JobRun, payload: dict[str, object]) -> ObjectResult:
    return job.transaction(
        lambda s: ObjectResult(vpc_offering_view(s, _load(s, payload["offering_id"])))
    )


@command(
    "updateVPCOffering",
    params=[
        _p("id", UUID, "the id of the VPC offering", required=True, entity="VpcOffering"),
        _p("name", STRING, "the name of the VPC offering"),
        _p("displaytext", STRING, "the display text of the VPC offering"),
        _p(
            "state",
            STRING,
            "update state for the VPC offering; supported states - Enabled/Disabled",
        ),
        _p("sortkey", INTEGER, "sort key of the VPC offering, integer"),
        _p(
            "domainid",
            STRING,
            'the ID of the containing domain(s), json list of ids, "public" for public offerings',
            length=4096,
        ),
        _p(
            "zoneid",
            STRING,
            'the ID of the containing zone(s), json list of ids, "all" for all zones',
            since="4.13",
        ),
    ],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    instance_type="VpcOffering",
    object_name="vpcoffering",
    response_class="VpcOfferingResponse",
)
def update_vpc_offering(call: Call, args: Args) -> Enqueue:
    """Updates VPC offering"""
    offering = vpc_offerings.update(call.db, call.caller, args.id, args.as_dict())
    return Enqueue({"offering_id": offering.id}, instance_uuid=offering.uuid)


@update_vpc_offering.execute
def _update_vpc_offering(job: JobRun, payload: dict[str, object]) -> ObjectResult:
    return job.transaction(
        lambda s: ObjectResult(vpc_offering_view(s, _load(s, payload["offering_id"])))
    )


@command(
    "deleteVPCOffering",
    params=[_p("id", UUID, "the ID of the VPC offering", required=True, entity="VpcOffering")],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    instance_type="VpcOffering",
    response_class="SuccessResponse",
)
def delete_vpc_offering(call: Call, args: Args) -> Enqueue:
    """Deletes VPC offering"""
    vpc_offerings.live(args.id)
    if args.id.is_default:
        raise InvalidParameter(f"Default VPC offering {args.id.name} can't be deleted")
    return Enqueue({"offering_id": args.id.id}, instance_uuid=args.id.uuid)


@delete_vpc_offering.execute
def _delete_vpc_offering(job: JobRun, payload: dict[str, object]) -> SuccessResult:
    job.transaction(lambda s: vpc_offerings.delete(s, job.caller, _load(s, payload["offering_id"])))
    return SuccessResult()


@command(
    "listVPCOfferings",
    params=[
        _p("id", UUID, "list VPC offerings by id", entity="VpcOffering"),
        _p("name", STRING, "list VPC offerings by name"),
        _p("displaytext", STRING, "list VPC offerings by display text"),
        _p(
            "isdefault",
            BOOLEAN,
            "true if need to list only default VPC offerings. Default value is false",
        ),
        _p(
            "supportedservices",
            LIST,
            "list VPC offerings supporting certain services",
            collection=STRING,
        ),
        _p("state", STRING, "list VPC offerings by state"),
        _p(
            "domainid",
            UUID,
            "list VPC offerings available for VPC creation in specific domain",
            entity="Domain",
            since="4.18",
        ),
        _p("zoneid", UUID, "id of zone VPC offering is associated with", since="4.13"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="vpcoffering",
    response_class="VpcOfferingResponse",
)
def list_vpc_offerings(call: Call, args: Args) -> ListResult:
    """Lists VPC offerings"""
    Off = VpcOffering
    stmt = select(Off).where(Off.removed.is_(None))
    stmt = stmt.where(offering_scope.visible_to(call.caller, "vpc", Off.id))
    if args.id is not None:
        stmt = stmt.where(Off.id == args.id.id)
    for value, column in (
        (args.name, Off.name),
        (args.displaytext, Off.display_text),
        (args.isdefault, Off.is_default),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if args.state is not None:
        stmt = stmt.where(
            Off.state == network_services.canonical(args.state, ("Enabled", "Disabled"), "state")
        )
    if args.keyword:
        stmt = stmt.where(Off.name.contains(args.keyword, autoescape=True))
    for service in args.supportedservices or []:
        name = network_services.canonical(service, network_services.SERVICES, "service")
        stmt = stmt.where(
            exists().where(
                VpcOfferingService.offering_id == Off.id, VpcOfferingService.service == name
            )
        )
    if args.domainid is not None:
        stmt = stmt.where(offering_scope.in_domain(args.domainid, "vpc", Off.id))
    if args.zoneid is not None:
        zone = offering_scope.find_zone(call.db, args.zoneid)
        stmt = stmt.where(offering_scope.in_zone(zone.id, "vpc", Off.id))
    rows, count = fetch_page(call.db, stmt.order_by(Off.sort_key, Off.id), call, args)
    return ListResult([vpc_offering_view(call.db, r[0]) for r in rows], count)
