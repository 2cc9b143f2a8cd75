"""Public IP address commands (§6.10): associate, disassociate, list."""

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
from cumulo.api.params import BOOLEAN, MAP, STRING, UUID, Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.network import public_ip_view
from cumulo.db.models.network import Network
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import guest_networks, network_rules, public_ips, tags
from cumulo.services.infra_common import live, must_get
from cumulo.services.network_access import check_network, check_owned, network_owner
from cumulo.services.resource_owner import resolve_owner

tags.register("PublicIpAddress", "PublicIp")


@command(
    "associateIpAddress",
    params=[
        Param("zoneid", UUID, entity="Zone", description="the ID of the availability zone"),
        Param(
            "networkid", UUID, entity="Network", description="The network this IP is associated to"
        ),
        Param("ipaddress", STRING, description="IP Address to be associated"),
        Param("account", STRING, description="the account to associate with this IP address"),
        Param("domainid", UUID, entity="Domain", description="the ID of the domain"),
        Param("projectid", UUID, entity="Project", description="Deploy VM for the project"),
        Param("vpcid", UUID, description="the VPC this IP is associated to"),
        Param("isportable", BOOLEAN, description="portable IP (region wide)"),
        Param("fordisplay", BOOLEAN, description="display the IP to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="ipaddress",
    instance_type="IpAddress",
    response_class="IPAddressResponse",
)
def associate_ip_address(call: Call, args: Args) -> Enqueue:
    """Acquires and associates a public IP to an account."""
    if args.vpcid is not None or args.isportable:
        raise InvalidParameter("VPC and portable IP addresses are not supported yet")
    network: Network | None = args.networkid
    zone: Zone | None = args.zoneid
    router = None
    if network is not None:
        check_network(call.caller, network)
        if network.guest_type != "Isolated":
            raise InvalidParameter(
                f"Network {network.name} is {network.guest_type}; public IPs go to isolated "
                "networks only"
            )
        if zone is not None and zone.id != network.zone_id:
            raise InvalidParameter("zoneid does not match the network's zone")
        zone = call.db.get(Zone, network.zone_id)
        owner = network_owner(call.db, network)
        router = guest_networks.implement(call.db, call.runtime.config, call.caller, network, owner)
    elif zone is None:
        raise InvalidParameter("Give zoneid or networkid for the IP address")
    else:
        owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    assert zone is not None
    live(zone, "zone")
    ip = public_ips.allocate(
        call.db,
        call.runtime.config,
        call.caller,
        owner,
        zone,
        network_id=network.id if network else None,
        wanted=args.ipaddress,
    )
    payload = {
        "id": ip.id,
        "network_id": network.id if network else None,
        "router_id": router.id if router else None,
    }
    return Enqueue(payload, instance_uuid=ip.uuid)


@associate_ip_address.execute
def _associate_ip_address(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    if p.get("router_id") is not None:
        network_jobs.finish_implement(job, p["network_id"], p["router_id"])
    return ObjectResult(
        job.transaction(lambda s: public_ip_view(s, must_get(s, PublicIp, p["id"])))
    )


@command(
    "disassociateIpAddress",
    params=[
        Param("id", UUID, entity="PublicIp", description="the ID of the public IP address"),
        Param("ipaddress", STRING, description="IP Address to be disassociated"),
        Param("accountid", UUID, entity="Account", description="the account owning the IP"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="IpAddress",
    response_class="SuccessResponse",
)
def disassociate_ip_address(call: Call, args: Args) -> Enqueue:
    """Disassociates an IP address from the network."""
    ip = _find(call.db, args)
    check_owned(call.caller, ip.account_id, ip.domain_path, f"IP address {ip.address}")
    if ip.is_source_nat:
        raise InvalidParameter(
            f"IP address {ip.address} is the source NAT IP of its network; it goes with the network"
        )
    # Its rules and static NAT go with it (CloudStack revokes them on release).
    for rule in network_rules.rules_on_ip(
        call.db, ip.id, ("Firewall", "PortForwarding", "LoadBalancing")
    ):
        network_rules.revoke(call.db, call.caller, rule, "NET.RULEDELETE")
    ip.is_static_nat, ip.static_nat_vm_id, ip.static_nat_vm_ip = False, None, None
    ip.state = "Releasing"
    return Enqueue({"id": ip.id, "network_id": ip.network_id}, instance_uuid=ip.uuid)


def _find(session: Session, args: Args) -> PublicIp:
    ip: PublicIp | None = args.id
    if ip is None and args.ipaddress is not None:
        stmt = select(PublicIp).where(
            PublicIp.address == args.ipaddress, PublicIp.removed.is_(None)
        )
        if args.accountid is not None:
            stmt = stmt.where(PublicIp.account_id == args.accountid.id)
        ip = session.execute(stmt.limit(1)).scalar_one_or_none()
    if ip is None:
        raise InvalidParameter("Give the id (or ipaddress) of an allocated public IP address")
    if ip.removed is not None:
        raise InvalidParameter(f"IP address {ip.address} ({ip.uuid}) is not allocated")
    return ip


@disassociate_ip_address.execute
def _disassociate_ip_address(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    if p.get("network_id") is not None:
        network_jobs.apply_rules(job, p["network_id"])

    def work(s: Session) -> None:
        ip = must_get(s, PublicIp, p["id"])
        if ip.removed is None:
            public_ips.release(s, job.caller, ip)

    job.transaction(work)
    return SuccessResult()


@command(
    "listPublicIpAddresses",
    params=[
        Param("id", UUID, entity="PublicIp", description="lists IP address by ID"),
        Param("ipaddress", STRING, description="lists the specified IP address"),
        Param("zoneid", UUID, entity="Zone", description="lists all public IPs by zone ID"),
        Param("allocatedonly", BOOLEAN, description="limits search results to allocated IPs"),
        Param("forvirtualnetwork", BOOLEAN, description="the virtual network for the IP"),
        Param("issourcenat", BOOLEAN, description="list only source NAT IP addresses"),
        Param("isstaticnat", BOOLEAN, description="list only static NAT IP addresses"),
        Param(
            "associatednetworkid",
            UUID,
            entity="Network",
            description="lists all public IPs associated to the network",
        ),
        Param("networkid", UUID, entity="Network", description="lists IPs by network"),
        Param("vlanid", UUID, entity="Vlan", description="lists all public IPs by VLAN ID"),
        Param(
            "physicalnetworkid",
            UUID,
            entity="PhysicalNetwork",
            description="lists all public IPs by physical network ID",
        ),
        Param("state", STRING, description="lists IPs by state"),
        Param("tags", MAP, description="List resources by tags (key/value pairs)"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="publicipaddress",
    response_class="IPAddressResponse",
)
def list_public_ip_addresses(call: Call, args: Args) -> ListResult:
    """Lists all public IP addresses"""
    if args.allocatedonly is False:
        raise InvalidParameter(
            "allocatedonly=false (free addresses) is not supported; list allocated addresses"
        )
    scope = list_scope(call.db, call.caller, args)
    clause = scope.where(PublicIp.account_id, PublicIp.domain_id, PublicIp.domain_path)
    stmt = select(PublicIp).where(clause, PublicIp.removed.is_(None))
    stmt = _ip_filters(stmt, args)
    rows, count = fetch_page(call.db, stmt.order_by(PublicIp.id), call, args)
    return ListResult([public_ip_view(call.db, ip) for (ip,) in rows], count)


def _ip_filters(stmt, args: Args):  # type: ignore[no-untyped-def]
    filters = {
        "id": lambda v: PublicIp.id == v.id,
        "ipaddress": lambda v: PublicIp.address == v,
        "zoneid": lambda v: PublicIp.zone_id == v.id,
        "issourcenat": lambda v: PublicIp.is_source_nat.is_(v),
        "isstaticnat": lambda v: PublicIp.is_static_nat.is_(v),
        "associatednetworkid": lambda v: PublicIp.network_id == v.id,
        "networkid": lambda v: PublicIp.network_id == v.id,
        "vlanid": lambda v: PublicIp.vlan_id == v.id,
        "physicalnetworkid": lambda v: PublicIp.physical_network_id == v.id,
        "state": lambda v: PublicIp.state == v.capitalize(),
    }
    for name, clause in filters.items():
        value = args.get(name)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.forvirtualnetwork is not None:
        kind = "VirtualNetwork" if args.forvirtualnetwork else "DirectAttached"
        stmt = stmt.where(PublicIp.vlan_id.in_(select(Vlan.id).where(Vlan.vlan_type == kind)))
    if args.keyword:
        stmt = stmt.where(PublicIp.address.contains(args.keyword, autoescape=True))
    tag_clause = tags.tag_filter("PublicIpAddress", PublicIp.id, args.tags)
    if tag_clause is not None:
        stmt = stmt.where(tag_clause)
    return stmt


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
associate_ip_address.not_supported(
    Param("regionid", ParamType.INTEGER),
)
list_public_ip_addresses.not_supported(
    Param("fordisplay", ParamType.BOOLEAN, since="4.4"),
    Param("forloadbalancing", ParamType.BOOLEAN),
    Param("forprovider", ParamType.BOOLEAN, since="4.21.0"),
    Param("forsystemvms", ParamType.BOOLEAN, since="4.20.0"),
    Param("retrieveonlyresourcecount", ParamType.BOOLEAN),
    Param("vpcid", ParamType.UUID),
)
