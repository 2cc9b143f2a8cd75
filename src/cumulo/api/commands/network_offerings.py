"""Network offering commands (§6.5)."""

from __future__ import annotations

from sqlalchemy import exists, select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY, ALL_ROLES
from cumulo.api.views.network_offering import network_offering_view
from cumulo.db.models.network_offering import NetworkOffering, NetworkOfferingService
from cumulo.errors import InvalidParameter
from cumulo.services import network_offerings, network_services, offering_scope


def _p(name: str, t, description: str, **kw) -> Param:  # type: ignore[no-untyped-def]
    return Param(name, t, description=description, **kw)


@command(
    "createNetworkOffering",
    params=[
        _p("name", STRING, "the name of the network offering", required=True),
        _p(
            "displaytext",
            STRING,
            "the display text of the network offering, defaults to the value of 'name'.",
        ),
        _p(
            "traffictype",
            STRING,
            "the traffic type for the network offering. Supported type in "
            "current release is GUEST only",
            required=True,
        ),
        _p(
            "guestiptype",
            STRING,
            "guest type of the network offering: Shared or Isolated",
            required=True,
        ),
        _p(
            "supportedservices",
            LIST,
            "services supported by the network offering",
            collection=STRING,
        ),
        _p(
            "serviceproviderlist",
            MAP,
            "provider to service mapping. If not specified, the "
            "provider for the service will be mapped to the default provider on the physical "
            "network",
        ),
        _p(
            "servicecapabilitylist", MAP, "desired service capabilities as part of network offering"
        ),
        _p("specifyvlan", BOOLEAN, "true if network offering supports vlans"),
        _p(
            "specifyipranges",
            BOOLEAN,
            "true if network offering supports specifying ip ranges; "
            "defaulted to false if not specified",
        ),
        _p("conservemode", BOOLEAN, "true if the network offering is IP conserve mode enabled"),
        _p(
            "availability",
            STRING,
            "the availability of network offering. The default value is "
            "Optional. Another value is Required, which will make it as the default network "
            "offering for new networks",
        ),
        _p(
            "ispersistent",
            BOOLEAN,
            "true if network offering supports persistent networks; "
            "defaulted to false if not specified",
        ),
        _p(
            "forvpc",
            BOOLEAN,
            "true if network offering is meant to be used for VPC, false otherwise.",
        ),
        _p(
            "egressdefaultpolicy",
            BOOLEAN,
            "true if guest network default egress policy is "
            "allow; false if default egress policy is deny",
        ),
        _p("networkrate", INTEGER, "data transfer rate in megabits per second allowed"),
        _p("tags", STRING, "the tags for the network offering.", length=4096),
        _p(
            "serviceofferingid",
            UUID,
            "the service offering ID used by virtual router provider",
            entity="ServiceOffering",
        ),
        _p(
            "keepaliveenabled",
            BOOLEAN,
            "if true keepalive will be turned on in the loadbalancer. "
            "At the time of writing this has only an effect on haproxy; the mode http and "
            "httpclose options are unset in the haproxy conf file.",
        ),
        _p(
            "maxconnections",
            INTEGER,
            "maximum number of concurrent connections supported by the network offering",
        ),
        _p(
            "details",
            MAP,
            "Network offering details in key/value pairs. Supported keys are "
            "internallbprovider/publiclbprovider with service provider as a value, and "
            "promiscuousmode/macaddresschanges/forgedtransmits with true/false as value to "
            "accept/reject the security settings if available for a nic/portgroup",
            since="4.2.0",
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
            "The internet protocol of network offering. Options are "
            "ipv4 and dualstack. Default is ipv4. dualstack will create a network offering that "
            "supports both IPv4 and IPv6",
            since="4.17.0",
        ),
        _p(
            "fortungsten",
            BOOLEAN,
            "true if network offering is meant to be used for Tungsten-Fabric, false otherwise.",
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
            "true if network offering for NSX network offering supports Load balancer service.",
            since="4.20.0",
        ),
        _p(
            "nsxsupportsinternallb",
            BOOLEAN,
            "true if network offering for NSX network offering "
            "supports Internal Load balancer service.",
            since="4.20.0",
        ),
        _p(
            "routingmode",
            STRING,
            "the routing mode for the network offering. Supported types are: Static or Dynamic.",
            since="4.20.0",
        ),
        _p(
            "specifyasnumber",
            BOOLEAN,
            "true if network offering supports choosing AS number",
            since="4.20.0",
        ),
    ],
    roles=ADMIN_ONLY,
    object_name="networkoffering",
    response_class="NetworkOfferingResponse",
)
def create_network_offering(call: Call, args: Args) -> ObjectResult:
    """Creates a network offering."""
    for flag in (
        "fortungsten",
        "fornsx",
        "nsxsupportlb",
        "nsxsupportsinternallb",
        "specifyasnumber",
    ):
        if args.get(flag):
            raise InvalidParameter(f"{flag}=true is not supported: no such provider exists")
    if args.networkmode and args.networkmode.upper() != "NATTED":
        raise InvalidParameter("Only networkmode NATTED is supported")
    if args.routingmode:
        raise InvalidParameter("routingmode applies to ROUTED networks, which are not supported")
    values = args.as_dict()
    values["domainid"] = [d.uuid for d in args.domainid or []]
    offering = network_offerings.create(call.db, call.caller, values)
    return ObjectResult(network_offering_view(call.db, offering))


@command(
    "updateNetworkOffering",
    params=[
        _p("id", UUID, "the id of the network offering", entity="NetworkOffering"),
        _p("name", STRING, "the name of the network offering"),
        _p("displaytext", STRING, "the display text of the network offering"),
        _p(
            "availability",
            STRING,
            "the availability of network offering. The default value is "
            "Optional. Another value is Required, which will make it as the default network "
            "offering for new networks",
        ),
        _p("sortkey", INTEGER, "sort key of the network offering, integer"),
        _p("state", STRING, "update state for the network offering"),
        _p("keepaliveenabled", BOOLEAN, "if true keepalive will be turned on in the loadbalancer."),
        _p(
            "maxconnections",
            INTEGER,
            "maximum number of concurrent connections supported by the network offering",
        ),
        _p("tags", STRING, "the tags for the network offering.", length=4096),
        _p(
            "domainid",
            STRING,
            'the ID of the containing domain(s), json list of ids, "public" for public offerings',
        ),
        _p(
            "zoneid",
            STRING,
            'the ID of the containing zone(s), json list of ids, "all" for all zones',
            length=4096,
            since="4.13",
        ),
    ],
    roles=ADMIN_ONLY,
    object_name="networkoffering",
    response_class="NetworkOfferingResponse",
)
def update_network_offering(call: Call, args: Args) -> ObjectResult:
    """Updates a network offering."""
    offering = args.id
    if offering is None:
        if not args.name:
            raise InvalidParameter("Either id or name is required to find the network offering")
        offering = call.db.execute(
            select(NetworkOffering).where(
                NetworkOffering.name == args.name, NetworkOffering.removed.is_(None)
            )
        ).scalar()
        if offering is None:
            raise InvalidParameter(f"Unable to find network offering with name {args.name}")
        values = {**args.as_dict(), "name": None}
    else:
        values = args.as_dict()
    offering = network_offerings.update(call.db, call.caller, offering, values)
    return ObjectResult(network_offering_view(call.db, offering))


@command(
    "deleteNetworkOffering",
    params=[
        _p("id", UUID, "the ID of the network offering", required=True, entity="NetworkOffering")
    ],
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def delete_network_offering(call: Call, args: Args) -> SuccessResult:
    """Deletes a network offering."""
    network_offerings.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listNetworkOfferings",
    params=[
        _p("id", UUID, "list network offerings by ID", entity="NetworkOffering"),
        _p("name", STRING, "list network offerings by name"),
        _p("displaytext", STRING, "list network offerings by display text"),
        _p("traffictype", STRING, "list by traffic type"),
        _p(
            "isdefault",
            BOOLEAN,
            "true if need to list only default network offerings. Default value is false",
        ),
        _p("specifyvlan", BOOLEAN, "the tags for the network offering."),
        _p(
            "availability",
            STRING,
            "the availability of network offering. Default value is required",
        ),
        _p(
            "zoneid", UUID, "list network offerings available for network creation in specific zone"
        ),
        _p(
            "domainid",
            UUID,
            "list network offerings available for network creation in specific domain",
            entity="Domain",
            since="4.13",
        ),
        _p("state", STRING, "list network offerings by state"),
        _p(
            "networkid",
            UUID,
            "the ID of the network. Pass this in if you want to see the "
            "available network offering that a network can be changed to.",
        ),
        _p("guestiptype", STRING, "list network offerings by guest type: shared or isolated"),
        _p(
            "supportedservices",
            LIST,
            "list network offerings supporting certain services",
            collection=STRING,
        ),
        _p(
            "sourcenatsupported",
            BOOLEAN,
            "true if need to list only netwokrs which support source nat service",
        ),
        _p(
            "specifyipranges",
            BOOLEAN,
            "true if need to list only network offerings which support specifying ip ranges",
        ),
        _p("tags", STRING, "list network offerings by tags", length=4096),
        _p("istagged", BOOLEAN, "true if offering has tags specified"),
        _p(
            "forvpc",
            BOOLEAN,
            "the network offering can be used only for network creation inside the VPC",
        ),
        _p(
            "routingmode",
            STRING,
            "the routing mode for the network offering. Supported types are: Static or Dynamic.",
            since="4.20.0",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="networkoffering",
    response_class="NetworkOfferingResponse",
)
def list_network_offerings(call: Call, args: Args) -> ListResult:
    """Lists all available network offerings."""
    stmt = _filtered(call, args).order_by(NetworkOffering.sort_key, NetworkOffering.id)
    rows, count = fetch_page(call.db, stmt, call, args)
    return ListResult([network_offering_view(call.db, r[0]) for r in rows], count)


def _has_service(service: str):  # type: ignore[no-untyped-def]
    return exists().where(
        NetworkOfferingService.offering_id == NetworkOffering.id,
        NetworkOfferingService.service == service,
    )


def _filtered(call: Call, args: Args):  # type: ignore[no-untyped-def]
    offering_scope.refuse_filters(args.as_dict(), "networkid")
    Off = NetworkOffering
    stmt = select(Off).where(Off.removed.is_(None), Off.system_only.is_(False))
    stmt = stmt.where(offering_scope.visible_to(call.caller, "network", Off.id))
    simple = {
        "id": (Off.id, lambda v: v.id),
        "name": (Off.name, None),
        "displaytext": (Off.display_text, None),
        "isdefault": (Off.is_default, None),
        "specifyvlan": (Off.specify_vlan, None),
        "specifyipranges": (Off.specify_ip_ranges, None),
        "forvpc": (Off.for_vpc, None),
        "tags": (Off.tags, None),
    }
    for key, (column, conv) in simple.items():
        value = args.get(key)
        if value is not None:
            stmt = stmt.where(column == (conv(value) if conv else value))
    stmt = _choices(args, stmt)
    if args.keyword:
        stmt = stmt.where(
            Off.name.contains(args.keyword, autoescape=True)
            | Off.display_text.contains(args.keyword, autoescape=True)
        )
    for service in args.supportedservices or []:
        name = network_services.canonical(service, network_services.SERVICES, "service")
        stmt = stmt.where(_has_service(name))
    if args.sourcenatsupported is not None:
        has = _has_service("SourceNat")
        stmt = stmt.where(has if args.sourcenatsupported else ~has)
    if args.istagged is not None:
        stmt = stmt.where(Off.tags.is_not(None) if args.istagged else Off.tags.is_(None))
    if args.domainid is not None:
        stmt = stmt.where(offering_scope.in_domain(args.domainid, "network", Off.id))
    if args.zoneid is not None:
        zone = offering_scope.find_zone(call.db, args.zoneid)
        stmt = stmt.where(offering_scope.in_zone(zone.id, "network", Off.id))
    return stmt


def _choices(args: Args, stmt):  # type: ignore[no-untyped-def]
    Off = NetworkOffering
    from cumulo.services.network_services import canonical

    if args.guestiptype is not None:
        stmt = stmt.where(
            Off.guest_ip_type
            == canonical(args.guestiptype, network_offerings.GUEST_TYPES, "guestiptype")
        )
    if args.state is not None:
        stmt = stmt.where(Off.state == canonical(args.state, network_offerings.STATES, "state"))
    if args.availability is not None:
        stmt = stmt.where(
            Off.availability
            == canonical(args.availability, network_offerings.AVAILABILITIES, "availability")
        )
    if args.traffictype is not None:
        stmt = stmt.where(
            Off.traffic_type
            == canonical(
                args.traffictype,
                ("Guest", "Public", "Management", "Control", "Storage"),
                "traffictype",
            )
        )
    return stmt
