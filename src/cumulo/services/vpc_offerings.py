"""VPC offerings: create, update, delete."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.vpc_offering import VpcOffering, VpcOfferingService
from cumulo.errors import InvalidParameter
from cumulo.services import events, network_services, offering_scope
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
    rows = session.execute(
        select(VpcOfferingService.service, VpcOfferingService.provider)
        .where(VpcOfferingService.offering_id == offering.id)
        .order_by(VpcOfferingService.id)
    )
    result = ServiceSet(capabilities=json.loads(offering.capabilities or "{}"))
    for service, provider in rows:
        result.providers.setdefault(service, [])
        if provider:
            result.providers[service].append(provider)
    return result


def store_services(session: Session, offering_id: int, services: ServiceSet) -> None:
    session.execute(
        sql_delete(VpcOfferingService).where(VpcOfferingService.offering_id == offering_id)
    )
    for service in services.names():
        for provider in services.providers[service] or [""]:
            session.add(
                VpcOfferingService(offering_id=offering_id, service=service, provider=provider)
            )


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
    session.add(offering)
    session.flush()
    store_services(session, offering.id, services)
    offering_scope.set_domains(session, KIND, offering.id, domains)
    offering_scope.set_zones(session, KIND, offering.id, zones)
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
    if values.get("name") is not None:
        if not values["name"].strip():
            raise InvalidParameter("VPC offering name must not be empty")
        offering.name = values["name"].strip()
    if values.get("displaytext") is not None:
        offering.display_text = values["displaytext"]
    if values.get("sortkey") is not None:
        offering.sort_key = values["sortkey"]
    if values.get("state") is not None:
        offering.state = canonical(values["state"], ("Enabled", "Disabled"), "state")
    if values.get("domainid") is not None:
        offering_scope.set_domains(
            session, KIND, offering.id, offering_scope.resolve_domains(session, values["domainid"])
        )
    if values.get("zoneid") is not None:
        offering_scope.set_zones(
            session, KIND, offering.id, offering_scope.resolve_zones(session, values["zoneid"])
        )
    events.record(
        session,
        caller,
        "VPC.OFFERING.UPDATE",
        f"Updated VPC offering {offering.name}",
        resource_type="VpcOffering",
        resource_uuid=offering.uuid,
    )
    return offering


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
