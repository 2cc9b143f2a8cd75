"""IP range commands (§6.9): createVlanIpRange / listVlanIpRanges / deleteVlanIpRange."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.scope import find_account
from cumulo.api.views.infra_names import Names
from cumulo.api.views.vlan import vlan_view
from cumulo.db.models.physical_network import PhysicalNetwork
from cumulo.db.models.vlan import Vlan
from cumulo.errors import InvalidParameter
from cumulo.services import vlans

_COMMON = [
    Param("account", STRING, description="account who will own the VLAN"),
    Param("domainid", UUID, entity="Domain", description="domain ID of the account owning a VLAN"),
    Param("networkid", UUID, description="the network id"),
    Param(
        "physicalnetworkid", UUID, entity="PhysicalNetwork", description="the physical network id"
    ),
    Param("podid", UUID, entity="Pod", description="the Pod ID"),
    Param("projectid", UUID, entity="Project", description="project who will own the VLAN"),
    Param("vlan", STRING, description="the ID or VID of the VLAN"),
    Param("zoneid", UUID, entity="Zone", description="the Zone ID"),
    Param(
        "forvirtualnetwork", BOOLEAN, description="true if VLAN is of Virtual type, false if Direct"
    ),
]


def items(s: Session, found: list[Vlan]) -> list[dict[str, Any]]:
    names = Names.load(s, found)
    net_ids = {v.physical_network_id for v in found if v.physical_network_id}
    nets = (
        dict(
            s.execute(
                select(PhysicalNetwork.id, PhysicalNetwork.uuid).where(
                    PhysicalNetwork.id.in_(net_ids)
                )
            ).all()
        )
        if net_ids
        else {}
    )
    return [vlan_view(v, names, nets.get(v.physical_network_id or 0)) for v in found]


@command(
    "createVlanIpRange",
    params=[
        *_COMMON,
        Param("endip", STRING, description="the ending IP address in the VLAN IP range"),
        Param("endipv6", STRING, description="the ending IPv6 address in the IPv6 network range"),
        Param("forsystemvms", BOOLEAN, description="true if IP range is set to system vms"),
        Param("gateway", STRING, description="the gateway of the VLAN IP range"),
        Param("ip6cidr", STRING, description="the CIDR of IPv6 network"),
        Param("ip6gateway", STRING, description="the gateway of the IPv6 network"),
        Param("netmask", STRING, description="the netmask of the VLAN IP range"),
        Param(
            "provider",
            STRING,
            since="4.21.0",
            description="Provider name for which the IP range is reserved",
        ),
        Param("startip", STRING, description="the beginning IP address in the VLAN IP range"),
        Param(
            "startipv6", STRING, description="the beginning IPv6 address in the IPv6 network range"
        ),
    ],
    object_name="vlan",
    response_class="VlanIpRangeResponse",
)
def create_vlan_ip_range(call: Call, args: Args) -> ObjectResult:
    """Creates a VLAN IP range."""
    if args.networkid is not None or args.projectid is not None:
        raise InvalidParameter(
            "Ranges for a guest network or a project are not supported yet; "
            "create the range for the zone (public) or a pod (Basic zone guest range)"
        )
    account_id = domain_id = None
    if args.account:
        domain = args.domainid
        account = find_account(
            call.db, args.account, domain.id if domain else call.caller.domain_id
        )
        account_id, domain_id = account.id, account.domain_id
    elif args.domainid is not None:
        domain_id = args.domainid.id
    new = vlans.NewRange(
        zone=args.zoneid,
        pod=args.podid,
        physical_network=args.physicalnetworkid,
        network_id=None,
        start_ip=args.startip,
        end_ip=args.endip,
        gateway=args.gateway,
        netmask=args.netmask,
        vlan=args.vlan,
        for_virtual_network=args.forvirtualnetwork,
        for_system_vms=bool(args.forsystemvms),
        ip6=(args.ip6gateway, args.ip6cidr, args.startipv6, args.endipv6),
        domain_id=domain_id,
        account_id=account_id,
    )
    vlan = vlans.create(call.db, call.caller, new)
    return ObjectResult(items(call.db, [vlan])[0])


@command(
    "listVlanIpRanges",
    params=[*_COMMON, Param("id", UUID, entity="Vlan", description="the ID of the VLAN IP range")],
    is_list=True,
    object_name="vlaniprange",
    response_class="VlanIpRangeResponse",
)
def list_vlan_ip_ranges(call: Call, args: Args) -> ListResult:
    """Lists all VLAN IP ranges."""
    stmt = select(Vlan)
    filters = {
        "id": lambda v: Vlan.id == v.id,
        "zoneid": lambda v: Vlan.zone_id == v.id,
        "podid": lambda v: Vlan.pod_id == v.id,
        "physicalnetworkid": lambda v: Vlan.physical_network_id == v.id,
        "domainid": lambda v: Vlan.domain_id == v.id,
        "vlan": lambda v: Vlan.vlan_tag == vlans.vlan_uri(v),
        "forvirtualnetwork": lambda v: (
            Vlan.vlan_type == ("VirtualNetwork" if v else "DirectAttached")
        ),
    }
    for key, clause in filters.items():
        value = args.get(key)
        if value is not None:
            stmt = stmt.where(clause(value))
    rows, count = fetch_page(call.db, stmt.order_by(Vlan.id), call, args)
    return ListResult(items(call.db, [r[0] for r in rows]), count)


@command(
    "deleteVlanIpRange",
    params=[
        Param("id", UUID, required=True, entity="Vlan", description="the id of the VLAN IP range")
    ],
    response_class="SuccessResponse",
)
def delete_vlan_ip_range(call: Call, args: Args) -> SuccessResult:
    """Deletes a VLAN IP range."""
    vlans.delete(call.db, call.caller, args.id)
    return SuccessResult()
