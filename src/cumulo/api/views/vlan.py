"""VlanIpRangeResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names
from cumulo.db.models.vlan import Vlan


def vlan_view(vlan: Vlan, names: Names, net_uuid: str | None) -> dict[str, Any]:
    return {
        "id": vlan.uuid,
        "forvirtualnetwork": vlan.vlan_type == "VirtualNetwork",
        **names.place(vlan),
        "vlan": vlan.vlan_tag,
        "gateway": vlan.gateway,
        "netmask": vlan.netmask,
        "cidr": None,
        "description": f"{vlan.start_ip}-{vlan.end_ip}" if vlan.start_ip else None,
        "startip": vlan.start_ip,
        "endip": vlan.end_ip,
        "ip6gateway": vlan.ip6_gateway,
        "ip6cidr": vlan.ip6_cidr,
        "startipv6": vlan.ip6_start,
        "endipv6": vlan.ip6_end,
        "physicalnetworkid": net_uuid,
        "forsystemvms": vlan.for_system_vms,
    }
