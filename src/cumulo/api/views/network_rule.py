"""FirewallResponse, FirewallRuleResponse (port forwarding) and LoadBalancerResponse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.views.network import owner_fields
from cumulo.db.models.network import Network
from cumulo.db.models.network_rule import NetworkRule
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone

STATES = {"Add": "Add", "Active": "Active", "Revoke": "Revoke"}


def _port(value: int | None) -> str | None:
    return None if value is None else str(value)


def firewall_view(session: Session, r: NetworkRule) -> dict[str, Any]:
    ip = session.get(PublicIp, r.ip_id) if r.ip_id else None
    network = session.get(Network, r.network_id)
    return {
        "id": r.uuid,
        "protocol": r.protocol,
        "startport": r.start_port,
        "endport": r.end_port,
        "icmptype": r.icmp_type,
        "icmpcode": r.icmp_code,
        "ipaddressid": ip.uuid if ip else None,
        "ipaddress": ip.address if ip else None,
        "networkid": network.uuid if network else None,
        "traffictype": r.traffic_type,
        "cidrlist": r.cidr_list,
        "destcidrlist": r.dest_cidr_list,
        "state": STATES.get(r.state, r.state),
        "fordisplay": r.for_display,
        "tags": [],
    }


def port_forwarding_view(session: Session, r: NetworkRule) -> dict[str, Any]:
    ip = session.get(PublicIp, r.ip_id) if r.ip_id else None
    network = session.get(Network, r.network_id)
    vm = session.get(VMInstance, r.vm_id) if r.vm_id else None
    return {
        "id": r.uuid,
        "protocol": r.protocol,
        "publicport": _port(r.start_port),
        "publicendport": _port(r.end_port),
        "privateport": _port(r.private_start_port),
        "privateendport": _port(r.private_end_port),
        "ipaddressid": ip.uuid if ip else None,
        "ipaddress": ip.address if ip else None,
        "virtualmachineid": vm.uuid if vm else None,
        "virtualmachinename": vm.name if vm else None,
        "virtualmachinedisplayname": (vm.display_name or vm.name) if vm else None,
        "vmguestip": r.vm_ip,
        "networkid": network.uuid if network else None,
        "cidrlist": r.cidr_list,
        "state": STATES.get(r.state, r.state),
        "fordisplay": r.for_display,
        "tags": [],
    }


_IP_FORWARDING_FIELDS = (
    "id",
    "protocol",
    "ipaddressid",
    "ipaddress",
    "cidrlist",
    "state",
    "virtualmachineid",
    "virtualmachinename",
    "virtualmachinedisplayname",
)


def ip_forwarding_view(session: Session, r: NetworkRule) -> dict[str, Any]:
    """IpForwardingRuleResponse: the ports a static NAT address forwards."""
    pf = port_forwarding_view(session, r)
    keep = _IP_FORWARDING_FIELDS
    view = {k: pf[k] for k in keep if pf.get(k) is not None}
    view.update(startport=_port(r.start_port), endport=_port(r.end_port))
    return view


def load_balancer_view(session: Session, r: NetworkRule) -> dict[str, Any]:
    ip = session.get(PublicIp, r.ip_id) if r.ip_id else None
    network = session.get(Network, r.network_id)
    zone = session.get(Zone, network.zone_id) if network else None
    return {
        "id": r.uuid,
        "name": r.name,
        "description": r.description,
        "algorithm": r.algorithm,
        "protocol": r.protocol,
        "publicport": _port(r.start_port),
        "privateport": _port(r.private_start_port),
        "publicipid": ip.uuid if ip else None,
        "publicip": ip.address if ip else None,
        "networkid": network.uuid if network else None,
        "zoneid": zone.uuid if zone else None,
        "zonename": zone.name if zone else None,
        "cidrlist": r.cidr_list,
        "state": STATES.get(r.state, r.state),
        **owner_fields(session, r.account_id, r.domain_id),
        "fordisplay": r.for_display,
        "tags": [],
    }
