"""First start: CloudStack's default offerings and the guest OS catalogue.

Called once from ``bootstrap`` in the same transaction as the identity rows.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.guest_os import GuestOs, GuestOsCategory
from cumulo.db.models.network_offering import NetworkOffering, NetworkOfferingService
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.vpc_offering import VpcOffering, VpcOfferingService
from cumulo.services.guest_os_catalogue import CATEGORIES, FEATURED, OS_TYPES
from cumulo.services.network_defaults import NETWORK_OFFERINGS, VPC_OFFERINGS, DefaultOffering
from cumulo.services.network_services import ServiceSet
from cumulo.services.offering_edits import service_rows

GIB = 1024**3

# (name, cpus, MHz, MB, offer HA, system VM type); the system values are the
# defaults of router.ram.size, consoleproxy.ram.size, secstorage.vm.ram.size ...
SERVICE_OFFERINGS = [
    ("Small Instance", 1, 500, 512, False, None),
    ("Medium Instance", 1, 1000, 1024, False, None),
    ("System Offering For Software Router", 1, 500, 256, True, "domainrouter"),
    ("System Offering For Console Proxy", 1, 500, 1024, False, "consoleproxy"),
    ("System Offering For Secondary Storage VM", 1, 500, 512, False, "secondarystoragevm"),
    ("System Offering For Internal LB VM", 1, 256, 256, False, "internalloadbalancervm"),
]
DISK_OFFERINGS = [
    ("Small", "Small Disk, 5 GB", 5),
    ("Medium", "Medium Disk, 20 GB", 20),
    ("Large", "Large Disk, 100 GB", 100),
    ("Custom", "Custom Disk", 0),
]


def seed_catalogue(session: Session) -> None:
    _service_offerings(session)
    _disk_offerings(session)
    _network_offerings(session)
    _guest_os(session)
    session.flush()


def _service_offerings(session: Session) -> None:
    for name, cpu, speed, memory, ha, vm_type in SERVICE_OFFERINGS:
        session.add(
            ServiceOffering(
                name=name,
                display_text=name,
                cpu_number=cpu,
                cpu_speed=speed,
                memory=memory,
                offer_ha=ha,
                is_system=vm_type is not None,
                system_vm_type=vm_type,
                default_use=vm_type is not None,
            )
        )


def _disk_offerings(session: Session) -> None:
    for name, text, size in DISK_OFFERINGS:
        session.add(
            DiskOffering(name=name, display_text=text, disk_size=size * GIB, customized=size == 0)
        )


def _services(spec: DefaultOffering) -> ServiceSet:
    return ServiceSet(
        providers={s: [p] for s, p in spec.services.items()}, capabilities=spec.capabilities
    )


def _network_offerings(session: Session) -> None:
    """All default offerings in one batched INSERT per table (first start's time)."""
    networks = [(_network_offering(spec), spec) for spec in NETWORK_OFFERINGS]
    vpcs = [(_vpc_offering(spec), spec) for spec in VPC_OFFERINGS]
    session.add_all([row for row, _ in networks] + [row for row, _ in vpcs])
    session.flush()  # their ids, for the service rows
    for row, spec in networks:
        session.add_all(service_rows(NetworkOfferingService, row.id, _services(spec)))
    for vpc, spec in vpcs:
        session.add_all(service_rows(VpcOfferingService, vpc.id, _services(spec)))


def _network_offering(spec: DefaultOffering) -> NetworkOffering:
    return NetworkOffering(
        name=spec.name,
        unique_name=spec.name,
        display_text=spec.display_text,
        guest_ip_type=spec.guest_ip_type,
        traffic_type="Guest",
        is_default=True,
        specify_vlan=spec.specify_vlan,
        specify_ip_ranges=spec.specify_ip_ranges,
        availability=spec.availability,
        conserve_mode=spec.conserve_mode,
        for_vpc=spec.for_vpc,
        state=spec.state,
        egress_default_policy=False,
        capabilities=json.dumps(spec.capabilities, sort_keys=True),
    )


def _vpc_offering(spec: DefaultOffering) -> VpcOffering:
    return VpcOffering(
        name=spec.name,
        unique_name=spec.name,
        display_text=spec.display_text,
        state=spec.state,
        is_default=True,
        capabilities=json.dumps(spec.capabilities, sort_keys=True),
    )


def _guest_os(session: Session) -> None:
    """Categories, then (the flush orders by table only with a relationship) their types."""
    categories = list(enumerate(CATEGORIES, start=1))
    session.add_all(
        GuestOsCategory(id=category_id, name=name, is_featured=name in FEATURED)
        for category_id, name in categories
    )
    session.flush()
    session.add_all(
        GuestOs(category_id=category_id, display_name=display_name)
        for category_id, name in categories
        for display_name in OS_TYPES[name]
    )
