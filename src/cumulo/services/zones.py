"""Zones: create, update, delete."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.domain import Domain
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.physical_network import PhysicalNetwork
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.zone import Zone, ZoneDetail
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import dedication, events, ipranges
from cumulo.services.infra_common import (
    allocation_state,
    choice,
    drop_details,
    exists,
    live,
    save_details,
)

NETWORK_TYPES = ("Basic", "Advanced")


@dataclass
class ZoneSpec:
    """createZone / updateZone fields; None = not given."""

    name: str | None = None
    network_type: str | None = None
    dns1: str | None = None
    dns2: str | None = None
    ip6_dns1: str | None = None
    ip6_dns2: str | None = None
    internal_dns1: str | None = None
    internal_dns2: str | None = None
    guest_cidr: str | None = None
    network_domain: str | None = None
    domain: Domain | None = None
    security_group_enabled: bool | None = None
    local_storage_enabled: bool | None = None
    is_edge: bool | None = None
    allocation_state: str | None = None
    dhcp_provider: str | None = None
    sort_key: int | None = None


def _check_name(session: Session, name: str, zone_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("Zone name must not be empty")
    stmt = select(Zone.id).where(Zone.name == name, Zone.removed.is_(None))
    if zone_id is not None:
        stmt = stmt.where(Zone.id != zone_id)
    if exists(session, stmt):
        raise InvalidParameter(f"A zone with name {name} already exists; choose another name")
    return name


def _check_addresses(spec: ZoneSpec) -> None:
    for value, what in (
        (spec.dns1, "DNS1"),
        (spec.dns2, "DNS2"),
        (spec.internal_dns1, "Internal DNS1"),
        (spec.internal_dns2, "Internal DNS2"),
    ):
        if value:
            ipranges.address(value, what)
    if spec.guest_cidr:
        ipranges.cidr(spec.guest_cidr, "Guest CIDR")


def create(session: Session, caller: Caller, spec: ZoneSpec) -> Zone:
    assert spec.name and spec.network_type and spec.dns1 and spec.internal_dns1
    name = _check_name(session, spec.name)
    network_type = choice(spec.network_type, NETWORK_TYPES, "network type")
    _check_addresses(spec)
    if network_type == "Advanced" and spec.guest_cidr is None:
        spec.guest_cidr = "10.1.1.0/24"  # CloudStack's default guest CIDR
    if spec.domain is not None:
        live(spec.domain, "domain")
    zone = Zone(
        name=name,
        network_type=network_type,
        dns1=spec.dns1,
        dns2=spec.dns2,
        ip6_dns1=spec.ip6_dns1,
        ip6_dns2=spec.ip6_dns2,
        internal_dns1=spec.internal_dns1,
        internal_dns2=spec.internal_dns2,
        guest_cidr=spec.guest_cidr if network_type == "Advanced" else None,
        network_domain=spec.network_domain,
        domain_id=spec.domain.id if spec.domain else None,
        # A Basic zone isolates guests with security groups unless told otherwise.
        security_group_enabled=bool(
            spec.security_group_enabled
            if spec.security_group_enabled is not None
            else network_type == "Basic"
        ),
        local_storage_enabled=bool(spec.local_storage_enabled),
        is_edge=bool(spec.is_edge),
        allocation_state=allocation_state(spec.allocation_state, "Disabled"),
        zone_token=str(uuidlib.uuid4()),
    )
    session.add(zone)
    session.flush()
    events.record(
        session,
        caller,
        "ZONE.CREATE",
        f"Zone {name} created",
        resource_type="Zone",
        resource_uuid=zone.uuid,
    )
    return zone


def update(
    session: Session, caller: Caller, zone: Zone, spec: ZoneSpec, details: dict[str, str]
) -> Zone:
    live(zone, "zone")
    _check_addresses(spec)
    if spec.name is not None:
        zone.name = _check_name(session, spec.name, zone.id)
    simple: dict[str, Any] = {
        "dns1": spec.dns1,
        "dns2": spec.dns2,
        "ip6_dns1": spec.ip6_dns1,
        "ip6_dns2": spec.ip6_dns2,
        "internal_dns1": spec.internal_dns1,
        "internal_dns2": spec.internal_dns2,
        "network_domain": spec.network_domain,
        "local_storage_enabled": spec.local_storage_enabled,
        "dhcp_provider": spec.dhcp_provider,
        "sort_key": spec.sort_key,
    }
    for attr, value in simple.items():
        if value is not None:
            setattr(zone, attr, value)
    if spec.guest_cidr is not None:
        if zone.network_type != "Advanced":
            raise InvalidParameter("A guest CIDR can only be set on an Advanced zone")
        zone.guest_cidr = spec.guest_cidr
    if spec.allocation_state is not None:
        zone.allocation_state = allocation_state(spec.allocation_state)  # type: ignore[assignment]
    if details:
        save_details(session, ZoneDetail, "zone_id", zone.id, details)
    session.flush()
    events.record(
        session,
        caller,
        "ZONE.EDIT",
        f"Zone {zone.name} updated",
        resource_type="Zone",
        resource_uuid=zone.uuid,
    )
    return zone


def delete(session: Session, caller: Caller, zone: Zone) -> None:
    live(zone, "zone")
    users = (
        (select(Pod.id).where(Pod.zone_id == zone.id, Pod.removed.is_(None)), "pods"),
        (select(PhysicalNetwork.id).where(PhysicalNetwork.zone_id == zone.id), "physical networks"),
        (
            select(StoragePool.id).where(
                StoragePool.zone_id == zone.id, StoragePool.removed.is_(None)
            ),
            "primary storage pools",
        ),
        (
            select(ImageStore.id).where(
                ImageStore.zone_id == zone.id, ImageStore.removed.is_(None)
            ),
            "secondary storages",
        ),
        (select(Vlan.id).where(Vlan.zone_id == zone.id), "IP ranges"),
    )
    for stmt, what in users:
        if exists(session, stmt):
            raise ResourceInUse(
                f"The zone {zone.name} is not deletable because there are {what} in this zone; "
                "delete them first"
            )
    drop_details(session, ZoneDetail, "zone_id", zone.id)
    dedication.forget(session, caller, zone)
    zone.mark_removed()
    events.record(
        session,
        caller,
        "ZONE.DELETE",
        f"Zone {zone.name} deleted",
        resource_type="Zone",
        resource_uuid=zone.uuid,
    )


def details_of(session: Session, zone_ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    if not zone_ids:
        return out
    rows = session.execute(select(ZoneDetail).where(ZoneDetail.zone_id.in_(zone_ids))).scalars()
    for d in rows:
        out.setdefault(d.zone_id, {})[d.name] = d.value
    return out
