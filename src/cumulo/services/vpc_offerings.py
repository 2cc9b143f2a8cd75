"""VPC offerings: create, update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.vpc_offering import VpcOffering, VpcOfferingService
from cumulo.errors import InvalidParameter
from cumulo.services import events, network_services, offering_edits, offering_scope
from cumulo.services.network_services import ServiceSet, canonical

KIND = "vpc"
VPC_SERVICES = (
    "Dhcp",
    "Dns",
    "SourceNat",
    "PortForwarding",
    "Lb",
    "UserData",
    "StaticNat",
    "NetworkACL",
    "Vpn",
    "Gateway",
    "Connectivity",
)
REQUIRED = ("SourceNat", "Gateway")


def services_of(session: Session, offering: VpcOffering) -> ServiceSet:
    return offering_edits.services_of(session, VpcOfferingService, offering)


def store_services(session: Session, offering_id: int, services: ServiceSet) -> None:
    offering_edits.store_services(session, VpcOfferingService, offering_id, services)


def create(session: Session, caller: Caller, values: dict[str, Any]) -> VpcOffering:
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidParameter("VPC offering name must not be empty")
    services = network_services.parse(
        values.get("supportedservices"),
        values.get("serviceproviderlist"),
        values.get("servicecapabilitylist"),
        "VpcVirtualRouter",
    )
    names = set(services.names())
    unsupported = sorted(names - set(VPC_SERVICES))
    if unsupported:
        raise InvalidParameter(f"Services {', '.join(unsupported)} are not supported in a VPC")
    missing = [s for s in REQUIRED if s not in names]
    if missing:
        raise InvalidParameter(f"A VPC offering needs the services {', '.join(missing)}")
    domains = offering_scope.resolve_domains(session, values.get("domainid"))
    zones = offering_scope.resolve_zones(session, values.get("zoneid"))
    connectivity = services.capabilities.get("Connectivity", {})
    offering = VpcOffering(
        name=name,
        unique_name=name,
        display_text=values.get("displaytext") or name,
        state="Enabled" if values.get("enable") else "Disabled",
        distributed_router=connectivity.get("DistributedRouter") == "true",
        region_level_vpc=connectivity.get("RegionLevelVpc") == "true",
        internet_protocol=values.get("internetprotocol"),
        service_offering_id=network_services.router_offering_id(values.get("serviceofferingid")),
        capabilities=network_services.dump_capabilities(services),
    )
    offering_edits.store(session, KIND, offering, domains, zones)
    store_services(session, offering.id, services)
    events.record(
        session,
        caller,
        "VPC.OFFERING.CREATE",
        f"Created VPC offering {name}",
        resource_type="VpcOffering",
        resource_uuid=offering.uuid,
    )
    return offering


def update(
    session: Session, caller: Caller, offering: VpcOffering, values: dict[str, Any]
) -> VpcOffering:
    live(offering)
    offering_edits.update_basics(offering, values, "VPC offering", _state)
    offering_edits.update_scope(session, KIND, offering, values, system=False)
    events.record(
        session,
        caller,
        "VPC.OFFERING.UPDATE",
        f"Updated VPC offering {offering.name}",
        resource_type="VpcOffering",
        resource_uuid=offering.uuid,
    )
    return offering


def _state(value: str) -> str:
    return canonical(value, ("Enabled", "Disabled"), "state")


def live(offering: VpcOffering) -> None:
    if offering.removed is not None:
        raise InvalidParameter(f"Unable to find VPC offering {offering.uuid}")


def delete(session: Session, caller: Caller, offering: VpcOffering) -> None:
    live(offering)
    if offering.is_default:
        raise InvalidParameter(f"Default VPC offering {offering.name} can't be deleted")
    offering.mark_removed()
    offering.state = "Disabled"
    events.record(
        session,
        caller,
        "VPC.OFFERING.DELETE",
        f"Deleted VPC offering {offering.name}",
        resource_type="VpcOffering",
        resource_uuid=offering.uuid,
    )
