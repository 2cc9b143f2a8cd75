"""NetworkResponse and IPAddressResponse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.views.batch import by_id
from cumulo.api.views.tag import tags_field
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.nic import Nic
from cumulo.db.models.physical_network import PhysicalNetwork
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone
from cumulo.services import network_offerings, tags
from cumulo.services.network_services import service_view


def owner_fields(session: Session, account_id: int, domain_id: int) -> dict[str, Any]:
    account = session.get(Account, account_id)
    domain = session.get(Domain, domain_id)
    return {
        "account": account.name if account else None,
        "domainid": domain.uuid if domain else None,
        "domain": domain.name if domain else None,
        "domainpath": domain.path if domain else None,
    }


def _vlan_tag(uri: str | None) -> str | None:
    return uri.removeprefix("vlan://") if uri else None


def network_view(session: Session, n: Network) -> dict[str, Any]:
    # One network (create/update answers, job results): identity-map lookups, no
    # flush of the caller's pending rows; pages go through network_items.
    offering = session.get(NetworkOffering, n.network_offering_id)
    services = network_offerings.services_of(session, offering) if offering else None
    return _network_fields(
        n,
        zone=session.get(Zone, n.zone_id),
        offering=offering,
        pnet=session.get(PhysicalNetwork, n.physical_network_id) if n.physical_network_id else None,
        account=session.get(Account, n.account_id),
        domain=session.get(Domain, n.domain_id),
        service=service_view(services.providers, services.capabilities) if services else [],
    )


def network_items(session: Session, nets: list[Network]) -> list[dict[str, Any]]:
    """NetworkResponses for a page: related rows loaded once per kind, not per network."""
    zones = by_id(session, Zone, (n.zone_id for n in nets), Zone.uuid, Zone.name)
    offerings = by_id(session, NetworkOffering, (n.network_offering_id for n in nets))
    pnets = by_id(
        session, PhysicalNetwork, (n.physical_network_id for n in nets), PhysicalNetwork.uuid
    )
    accounts = by_id(session, Account, (n.account_id for n in nets), Account.name)
    domains = by_id(
        session, Domain, (n.domain_id for n in nets), Domain.uuid, Domain.name, Domain.path
    )
    # A handful of offerings serve every network: their services once each.
    services = {
        oid: service_view(found.providers, found.capabilities)
        for oid, off in offerings.items()
        for found in [network_offerings.services_of(session, off)]
    }
    return [
        _network_fields(
            n,
            zone=zones.get(n.zone_id),
            offering=offerings.get(n.network_offering_id),
            pnet=pnets.get(n.physical_network_id or 0),
            account=accounts.get(n.account_id),
            domain=domains.get(n.domain_id),
            service=services.get(n.network_offering_id, []),
        )
        for n in nets
    ]


def _network_fields(
    n: Network,
    *,
    zone: Any,
    offering: NetworkOffering | None,
    pnet: Any,
    account: Any,
    domain: Any,
    service: list[dict[str, Any]],
) -> dict[str, Any]:
    """One NetworkResponse from the related rows (entities or named-column rows)."""
    return {
        "id": n.uuid,
        "name": n.name,
        "displaytext": n.display_text,
        "broadcastdomaintype": n.broadcast_domain_type,
        "traffictype": n.traffic_type,
        "gateway": n.gateway,
        "netmask": n.netmask,
        "cidr": n.cidr,
        "zoneid": zone.uuid if zone else None,
        "zonename": zone.name if zone else None,
        **_offering_fields(offering),
        "issystem": n.is_system,
        "state": n.state,
        "related": n.uuid,
        "broadcasturi": n.broadcast_uri,
        "dns1": n.dns1,
        "dns2": n.dns2,
        "type": n.guest_type,
        "vlan": _vlan_tag(n.broadcast_uri),
        "acltype": n.acl_type,
        "account": account.name if account else None,
        "domainid": domain.uuid if domain else None,
        "domain": domain.name if domain else None,
        "domainpath": domain.path if domain else None,
        "service": service,
        "networkdomain": n.network_domain,
        "physicalnetworkid": pnet.uuid if pnet else None,
        "restartrequired": n.restart_required,
        "specifyipranges": n.specify_ip_ranges,
        "canusefordeploy": n.removed is None and n.state != "Destroy",
        "isdefault": False,
        "tags": [],
        "displaynetwork": True,
        "redundantrouter": False,
        "created": n.created,
        "hasannotations": False,
    }


def _offering_fields(offering: NetworkOffering | None) -> dict[str, Any]:
    if offering is None:
        return {"ispersistent": False, "egressdefaultpolicy": False}
    return {
        "networkofferingid": offering.uuid,
        "networkofferingname": offering.name,
        "networkofferingdisplaytext": offering.display_text,
        "networkofferingconservemode": offering.conserve_mode,
        "networkofferingavailability": offering.availability,
        "ispersistent": offering.is_persistent,
        "egressdefaultpolicy": offering.egress_default_policy,
    }


def _static_nat_vm(session: Session, ip: PublicIp) -> dict[str, Any]:
    """The VM a static NAT address forwards to (Libcloud maps addresses to nodes by it)."""
    vm = session.get(VMInstance, ip.static_nat_vm_id) if ip.static_nat_vm_id else None
    if vm is None or not ip.is_static_nat:
        return {}
    nic = session.execute(
        select(Nic.ip4_address).where(
            Nic.instance_id == vm.id, Nic.network_id == ip.network_id, Nic.removed.is_(None)
        )
    ).scalar()
    fields = {
        "virtualmachineid": vm.uuid,
        "virtualmachinename": vm.name,
        "virtualmachinedisplayname": vm.display_name or vm.name,
        "virtualmachinetype": vm.vm_type,
        "vmipaddress": ip.static_nat_vm_ip or nic,
    }
    return {k: v for k, v in fields.items() if v is not None}


def public_ip_view(session: Session, ip: PublicIp) -> dict[str, Any]:
    zone = session.get(Zone, ip.zone_id)
    vlan = session.get(Vlan, ip.vlan_id)
    network = session.get(Network, ip.network_id) if ip.network_id else None
    pnet = session.get(PhysicalNetwork, ip.physical_network_id) if ip.physical_network_id else None
    return {
        "id": ip.uuid,
        "ipaddress": ip.address,
        **_static_nat_vm(session, ip),
        "allocated": ip.allocated,
        "zoneid": zone.uuid if zone else None,
        "zonename": zone.name if zone else None,
        "issourcenat": ip.is_source_nat,
        "isstaticnat": ip.is_static_nat,
        "issystem": ip.is_system,
        **owner_fields(session, ip.account_id, ip.domain_id),
        "forvirtualnetwork": vlan.vlan_type == "VirtualNetwork" if vlan else True,
        "vlanid": vlan.uuid if vlan else None,
        "vlanname": vlan.vlan_tag.removeprefix("vlan://") if vlan else None,
        "associatednetworkid": network.uuid if network else None,
        "associatednetworkname": network.name if network else None,
        "networkid": pnet.uuid if pnet else None,
        "physicalnetworkid": pnet.uuid if pnet else None,
        "state": ip.state if ip.removed is None else "Free",
        "fordisplay": True,
        "isportable": False,
        "hasannotations": False,
        "tags": tags_field(session, tags.tags_of(session, "PublicIpAddress", [ip.id])[ip.id]),
    }
