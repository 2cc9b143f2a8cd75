"""ZoneResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.zone import Zone


def zone_view(
    zone: Zone,
    *,
    details: dict[str, str] | None = None,
    domain: tuple[str, str] | None = None,
    capacity: list[dict[str, Any]] | None = None,
    full: bool = True,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": zone.uuid,
        "name": zone.name,
        "description": zone.description,
        "networktype": zone.network_type,
        "securitygroupsenabled": zone.security_group_enabled,
        "allocationstate": zone.allocation_state,
        "localstorageenabled": zone.local_storage_enabled,
        "dhcpprovider": zone.dhcp_provider,
        "type": "Edge" if zone.is_edge else "Core",
        "tags": [],
        "ismultiarch": False,
        "isnsxenabled": False,
        "routedmodeenabled": False,
        "hasannotations": False,
        "allowuserspecifyvrmtu": False,
        "routerprivateinterfacemaxmtu": 1500,
        "routerpublicinterfacemaxmtu": 1500,
    }
    if full:  # admins see the addressing plan; users only what they can use
        view |= {
            "dns1": zone.dns1,
            "dns2": zone.dns2,
            "ip6dns1": zone.ip6_dns1,
            "ip6dns2": zone.ip6_dns2,
            "internaldns1": zone.internal_dns1,
            "internaldns2": zone.internal_dns2,
            "guestcidraddress": zone.guest_cidr,
            "domain": zone.network_domain,
            "zonetoken": zone.zone_token,
            "resourcedetails": details or None,
        }
    if domain:
        view["domainid"], view["domainname"] = domain
    if capacity is not None:
        view["capacity"] = capacity
    return view
