"""Guest network commands (§6.9): create, update, delete, restart, list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api import network_jobs
from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, MAP, STRING, UUID, Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.network import network_items, network_view
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOfferingService
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import events
from cumulo.services import guest_networks as networks
from cumulo.services.infra_common import must_get
from cumulo.services.network_access import check_network, visible_networks
from cumulo.services.resource_owner import resolve_owner

OWNER = [
    Param("account", STRING, description="account that will own the network"),
    Param(
        "domainid", UUID, entity="Domain", description="domain ID of the account owning a network"
    ),
    Param("projectid", UUID, entity="Project", description="an optional project for the network"),
]


@command(
    "createNetwork",
    params=[
        Param("name", STRING, required=True, description="the name of the network"),
        Param("displaytext", STRING, description="the display text of the network"),
        Param(
            "networkofferingid",
            UUID,
            required=True,
            entity="NetworkOffering",
            description="the network offering ID",
        ),
        Param("zoneid", UUID, required=True, entity="Zone", description="the zone ID"),
        Param(
            "physicalnetworkid", UUID, entity="PhysicalNetwork", description="the physical network"
        ),
        Param("gateway", STRING, description="the gateway of the network"),
        Param("netmask", STRING, description="the netmask of the network"),
        Param("startip", STRING, description="the beginning IP address in the network IP range"),
        Param("endip", STRING, description="the ending IP address in the network IP range"),
        Param("vlan", STRING, description="the ID or VID of the network"),
        Param("acltype", STRING, description="Access control type; Account or Domain"),
        Param("subdomainaccess", BOOLEAN, description="Domain networks: subdomain access"),
        Param("networkdomain", STRING, description="network domain"),
        Param("displaynetwork", BOOLEAN, description="display the network to the end user"),
        Param("vpcid", UUID, description="the VPC network belongs to"),
        *OWNER,
    ],
    roles=ALL_ROLES,
    object_name="network",
    response_class="NetworkResponse",
)
def create_network(call: Call, args: Args) -> ObjectResult:
    """Creates a network"""
    if args.vpcid is not None:
        raise InvalidParameter("VPC tiers are not supported yet; omit vpcid")
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    new = networks.NewNetwork(
        name=args.name or args.displaytext or "network",
        display_text=args.displaytext,
        zone=args.zoneid,
        offering=args.networkofferingid,
        physical_network=args.physicalnetworkid,
        gateway=args.gateway,
        netmask=args.netmask,
        start_ip=args.startip,
        end_ip=args.endip,
        vlan=args.vlan,
        acl_type=args.acltype,
        network_domain=args.networkdomain,
    )
    network = networks.create(call.db, call.runtime.config, call.caller, owner, new)
    return ObjectResult(network_view(call.db, network))


@command(
    "updateNetwork",
    params=[
        Param("id", UUID, required=True, entity="Network", description="the ID of the network"),
        Param("name", STRING, description="the new name for the network"),
        Param("displaytext", STRING, description="the new display text for the network"),
        Param("networkdomain", STRING, description="network domain"),
        Param("displaynetwork", BOOLEAN, description="display the network to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="network",
    instance_type="Network",
    response_class="NetworkResponse",
)
def update_network(call: Call, args: Args) -> Enqueue:
    """Updates a network"""
    network: Network = args.id
    check_network(call.caller, network)
    if network.acl_type == "Domain" and not call.caller.is_admin:
        raise InvalidParameter("Only admins can update a shared network")
    if args.name is not None:
        network.name = args.name
    if args.displaytext is not None:
        network.display_text = args.displaytext
    if args.networkdomain is not None:
        network.network_domain = args.networkdomain
    network.version += 1
    events.record(
        call.db,
        call.caller,
        "NETWORK.UPDATE",
        f"Network {network.name} updated",
        resource_type="Network",
        resource_uuid=network.uuid,
    )
    return Enqueue({"id": network.id}, instance_uuid=network.uuid)


@update_network.execute
def _update_network(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return ObjectResult(job.transaction(lambda s: network_view(s, must_get(s, Network, p["id"]))))


@command(
    "deleteNetwork",
    params=[
        Param("id", UUID, required=True, entity="Network", description="the ID of the network"),
        Param("forced", BOOLEAN, description="Force delete a network (admin only)"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="Network",
    response_class="SuccessResponse",
)
def delete_network(call: Call, args: Args) -> Enqueue:
    """Deletes a network"""
    network: Network = args.id
    check_network(call.caller, network)
    if network.acl_type == "Domain" and not call.caller.is_admin:
        raise InvalidParameter("Only admins can delete a shared network")
    if networks.nics_on(call.db, network.id):
        networks.delete(call.db, call.caller, network)  # raises 536 with the reason
    return Enqueue({"id": network.id}, instance_uuid=network.uuid)


@delete_network.execute
def _delete_network(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    network_jobs.stop_routers(job, p["id"])

    def work(s: Session) -> None:
        networks.delete(s, job.caller, must_get(s, Network, p["id"]))

    job.transaction(work)
    return SuccessResult()


@command(
    "restartNetwork",
    params=[
        Param("id", UUID, required=True, entity="Network", description="the ID of the network"),
        Param("cleanup", BOOLEAN, description="If cleanup old network elements"),
        Param("makeredundant", BOOLEAN, description="Turn the network into a redundant one"),
        Param("livepatch", BOOLEAN, description="Live patch the router"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="Network",
    response_class="SuccessResponse",
)
def restart_network(call: Call, args: Args) -> Enqueue:
    """Restarts the network; includes 1) restarting network elements 2) reapplying rules"""
    network: Network = args.id
    check_network(call.caller, network)
    if network.state not in ("Implemented", "Setup"):
        raise InvalidParameter(
            f"Network {network.name} is {network.state}; only an implemented network restarts"
        )
    return Enqueue({"id": network.id, "cleanup": bool(args.cleanup)}, instance_uuid=network.uuid)


@restart_network.execute
def _restart_network(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    if p["cleanup"]:
        network_jobs.recreate_router(job, p["id"])

    def work(s: Session) -> None:
        network = must_get(s, Network, p["id"])
        network.restart_required = False
        network.version += 1
        events.record(
            s,
            job.caller,
            "NETWORK.RESTART",
            f"Network {network.name} restarted",
            resource_type="Network",
            resource_uuid=network.uuid,
        )

    job.transaction(work)
    return SuccessResult()


@command(
    "listNetworks",
    params=[
        Param("id", UUID, entity="Network", description="list networks by ID"),
        Param("name", STRING, description="list networks by name"),
        Param("zoneid", UUID, entity="Zone", description="the zone ID of the network"),
        Param("type", STRING, description="the type of the network: Isolated, Shared, L2"),
        Param("traffictype", STRING, description="type of the traffic"),
        Param("acltype", STRING, description="list networks by ACL type: Account or Domain"),
        Param("vpcid", UUID, description="List networks belonging to the VPC"),
        Param("canusefordeploy", BOOLEAN, description="networks available for VM deployment"),
        Param("restartrequired", BOOLEAN, description="networks requiring restart"),
        Param("specifyipranges", BOOLEAN, description="networks supporting ip ranges"),
        Param(
            "supportedservices",
            LIST,
            collection=STRING,
            description="networks supporting these services",
        ),
        Param("tags", MAP, description="List resources by tags (key/value pairs)"),
        Param("issystem", BOOLEAN, description="true if network is system"),
        Param(
            "physicalnetworkid", UUID, entity="PhysicalNetwork", description="the physical network"
        ),
        Param(
            "networkofferingid", UUID, entity="NetworkOffering", description="the network offering"
        ),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="network",
    response_class="NetworkResponse",
)
def list_networks(call: Call, args: Args) -> ListResult:
    """Lists all available networks."""
    clause = visible_networks(call.caller, list_scope(call.db, call.caller, args))
    stmt = select(Network).where(clause, Network.removed.is_(None))
    stmt = _filters(stmt, args)
    if args.vpcid is not None:
        stmt = stmt.where(Network.vpc_id == -1)  # no VPCs yet: nothing belongs to one
    rows, count = fetch_page(call.db, stmt.order_by(Network.id), call, args)
    return ListResult(network_items(call.db, [n for (n,) in rows]), count)


def _filters(stmt, args: Args):  # type: ignore[no-untyped-def]
    simple = {
        "id": lambda v: Network.id == v.id,
        "name": lambda v: Network.name == v,
        "zoneid": lambda v: Network.zone_id == v.id,
        "type": lambda v: Network.guest_type == v.capitalize() if v != "L2" else True,
        "traffictype": lambda v: Network.traffic_type == v.capitalize(),
        "acltype": lambda v: Network.acl_type == v.capitalize(),
        "restartrequired": lambda v: Network.restart_required.is_(v),
        "specifyipranges": lambda v: Network.specify_ip_ranges.is_(v),
        "physicalnetworkid": lambda v: Network.physical_network_id == v.id,
        "networkofferingid": lambda v: Network.network_offering_id == v.id,
        "canusefordeploy": lambda v: Network.state.not_in(("Destroy",)) if v else False,
    }
    for name, clause in simple.items():
        value = args.get(name)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.type is not None and args.type.upper() == "L2":
        stmt = stmt.where(Network.guest_type == "L2")
    stmt = stmt.where(Network.is_system.is_(bool(args.issystem)))
    if args.keyword:
        stmt = stmt.where(Network.name.contains(args.keyword, autoescape=True))
    for service in args.supportedservices or []:
        offers = select(NetworkOfferingService.offering_id).where(
            NetworkOfferingService.service == service
        )
        stmt = stmt.where(Network.network_offering_id.in_(offers))
    if args.tags:
        stmt = stmt.where(Network.id.is_(None))  # networks carry no tags yet
    return stmt


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
create_network.not_supported(
    Param("aclid", ParamType.UUID),
    Param("asnumber", ParamType.LONG, since="4.20.0"),
    Param("associatednetworkid", ParamType.UUID, since="4.17.0"),
    Param("bgppeerids", ParamType.LIST, collection=ParamType.UUID, since="4.20.0"),
    Param("bypassvlanoverlapcheck", ParamType.BOOLEAN),
    Param("cidrsize", ParamType.INTEGER, since="4.20.0"),
    Param("dns1", ParamType.STRING, since="4.18.0"),
    Param("dns2", ParamType.STRING, since="4.18.0"),
    Param("endipv6", ParamType.STRING),
    Param("externalid", ParamType.STRING),
    Param("hideipaddressusage", ParamType.BOOLEAN),
    Param("ip6cidr", ParamType.STRING),
    Param("ip6dns1", ParamType.STRING, since="4.18.0"),
    Param("ip6dns2", ParamType.STRING, since="4.18.0"),
    Param("ip6gateway", ParamType.STRING),
    Param("isolatedpvlan", ParamType.STRING),
    Param("isolatedpvlantype", ParamType.STRING),
    Param("privatemtu", ParamType.INTEGER, since="4.18.0"),
    Param("publicmtu", ParamType.INTEGER, since="4.18.0"),
    Param("routerip", ParamType.STRING, since="4.16"),
    Param("routeripv6", ParamType.STRING, since="4.16"),
    Param("sourcenatipaddress", ParamType.STRING, since="4.19"),
    Param("startipv6", ParamType.STRING),
    Param("tungstenvirtualrouteruuid", ParamType.STRING),
)
list_networks.not_supported(
    Param("associatednetworkid", ParamType.UUID, since="4.17.0"),
    Param("displaynetwork", ParamType.BOOLEAN, since="4.4"),
    Param("forvpc", ParamType.BOOLEAN),
    Param("networkfilter", ParamType.STRING, since="4.17.0"),
    Param("retrieveonlyresourcecount", ParamType.BOOLEAN),
    Param("showicon", ParamType.BOOLEAN),
    Param("vlan", ParamType.STRING, since="4.17.0"),
)
update_network.not_supported(
    Param("changecidr", ParamType.BOOLEAN),
    Param("customid", ParamType.STRING, since="4.4"),
    Param("dns1", ParamType.STRING, since="4.18.0"),
    Param("dns2", ParamType.STRING, since="4.18.0"),
    Param("forced", ParamType.BOOLEAN),
    Param("guestvmcidr", ParamType.STRING),
    Param("hideipaddressusage", ParamType.BOOLEAN),
    Param("ip6dns1", ParamType.STRING, since="4.18.0"),
    Param("ip6dns2", ParamType.STRING, since="4.18.0"),
    Param("networkofferingid", ParamType.UUID),
    Param("privatemtu", ParamType.INTEGER, since="4.18.0"),
    Param("publicmtu", ParamType.INTEGER, since="4.18.0"),
    Param("sourcenatipaddress", ParamType.STRING, since="4.19"),
    Param("updateinsequence", ParamType.BOOLEAN),
)
