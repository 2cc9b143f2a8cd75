"""Domain and zone restrictions shared by every kind of offering.

Zones belong to another area. ``find_zone`` looks the model up by its class
name "Zone" at call time, so zone restrictions start to work as soon as a Zone
model is merged, without an import here; until then any zoneid is rejected
with 431 (there can be no zone to restrict to).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    delete,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from cumulo.api.arguments import model_class, resolve_entity
from cumulo.api.context import Caller
from cumulo.db.models.domain import Domain
from cumulo.db.models.offering_scope import OfferingDomain, OfferingZone
from cumulo.errors import InvalidParameter


def zone_model() -> Any | None:
    try:
        return model_class("Zone")
    except LookupError:
        return None


def find_zone(session: Session, value: str, param: str = "zoneid") -> Any:
    """The Zone row for a uuid (or internal id), 431 if there is no such zone."""
    if zone_model() is None:
        raise InvalidParameter(f"Unable to find zone by id {value} ({param}): no zones exist")
    zone = resolve_entity(session, "Zone", param, value)
    if getattr(zone, "removed", None) is not None:
        raise InvalidParameter(f"Unable to find zone by id {value} ({param})")
    return zone


def find_domain(session: Session, value: str, param: str = "domainid") -> Domain:
    domain = resolve_entity(session, "Domain", param, value)
    if domain.removed is not None:
        raise InvalidParameter(f"Unable to find domain by id {value} ({param})")
    return domain  # type: ignore[no-any-return]


def split_ids(raw: str | Iterable[str] | None) -> list[str]:
    """``a,b`` or a list; "public"/"all" and empty values mean no restriction."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    values = [v.strip() for v in items if v.strip()]
    if any(v.lower() in ("public", "all") for v in values):
        return []
    return values


def set_domains(session: Session, kind: str, offering_id: int, domains: list[Domain]) -> None:
    session.execute(
        delete(OfferingDomain).where(
            OfferingDomain.kind == kind, OfferingDomain.offering_id == offering_id
        )
    )
    for domain in {d.id: d for d in domains}.values():
        session.add(OfferingDomain(kind=kind, offering_id=offering_id, domain_id=domain.id))


def set_zones(session: Session, kind: str, offering_id: int, zones: list[Any]) -> None:
    session.execute(
        delete(OfferingZone).where(
            OfferingZone.kind == kind, OfferingZone.offering_id == offering_id
        )
    )
    for zone_id in {z.id for z in zones}:
        session.add(OfferingZone(kind=kind, offering_id=offering_id, zone_id=zone_id))


def domains_of(session: Session, kind: str, offering_id: int) -> list[Domain]:
    stmt = (
        select(Domain)
        .join(OfferingDomain, OfferingDomain.domain_id == Domain.id)
        .where(OfferingDomain.kind == kind, OfferingDomain.offering_id == offering_id)
        .order_by(Domain.id)
    )
    return list(session.execute(stmt).scalars())


def zones_of(session: Session, kind: str, offering_id: int) -> list[Any]:
    cls = zone_model()
    if cls is None:
        return []
    stmt = (
        select(cls)
        .join(OfferingZone, OfferingZone.zone_id == cls.id)
        .where(OfferingZone.kind == kind, OfferingZone.offering_id == offering_id)
        .order_by(cls.id)
    )
    return list(session.execute(stmt).scalars())


def scope_fields(session: Session, kind: str, offering_id: int) -> dict[str, str | None]:
    """``domainid``/``domain``/``zoneid``/``zone`` as CloudStack joins them (comma lists)."""
    domains = domains_of(session, kind, offering_id)
    zones = zones_of(session, kind, offering_id)
    return {
        "domainid": ",".join(d.uuid for d in domains) or None,
        "domain": ",".join(d.name for d in domains) or None,
        "zoneid": ",".join(z.uuid for z in zones) or None,
        "zone": ",".join(z.name for z in zones) or None,
    }


def visible_to(caller: Caller, kind: str, id_col: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Public offerings, or ones restricted to the caller's domain or an ancestor.

    Domain admins also see the offerings of their subdomains (they manage
    them); root admins see everything.
    """
    restricted = exists().where(OfferingDomain.kind == kind, OfferingDomain.offering_id == id_col)
    if caller.is_root_admin:
        return true()
    mine = literal(caller.domain_path)
    ancestor = func.substr(mine, 1, func.length(Domain.path)) == Domain.path
    reach = or_(ancestor, Domain.path.startswith(caller.domain_path, autoescape=True))
    inside = ancestor if not caller.is_domain_admin else reach
    allowed = exists().where(
        OfferingDomain.kind == kind,
        OfferingDomain.offering_id == id_col,
        OfferingDomain.domain_id == Domain.id,
        inside,
    )
    return or_(not_(restricted), allowed)


def in_domain(
    domain: Domain, kind: str, id_col: SQLColumnExpression[int], *, recursive: bool = False
) -> ColumnElement[bool]:
    """Offerings usable inside ``domain``: public ones and those of it or its ancestors.

    ``recursive`` (``isrecursive=true``) adds those restricted to its subdomains.
    """
    restricted = exists().where(OfferingDomain.kind == kind, OfferingDomain.offering_id == id_col)
    reach = func.substr(literal(domain.path), 1, func.length(Domain.path)) == Domain.path
    if recursive:
        reach = or_(reach, Domain.path.startswith(domain.path, autoescape=True))
    allowed = exists().where(
        OfferingDomain.kind == kind,
        OfferingDomain.offering_id == id_col,
        OfferingDomain.domain_id == Domain.id,
        reach,
    )
    return or_(not_(restricted), allowed)


def in_zone(zone_id: int, kind: str, id_col: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Offerings without a zone restriction, or restricted to this zone among others."""
    restricted = exists().where(OfferingZone.kind == kind, OfferingZone.offering_id == id_col)
    this = exists().where(
        and_(
            OfferingZone.kind == kind,
            OfferingZone.offering_id == id_col,
            OfferingZone.zone_id == zone_id,
        )
    )
    return or_(not_(restricted), this)


def is_visible(session: Session, caller: Caller, kind: str, offering_id: int) -> bool:
    stmt = select(literal(1)).where(visible_to(caller, kind, literal(offering_id)))
    return session.execute(stmt).first() is not None


def resolve_domains(session: Session, raw: str | Iterable[str] | None) -> list[Domain]:
    return [find_domain(session, v) for v in split_ids(raw)]


def resolve_zones(session: Session, raw: str | Iterable[str] | None) -> list[Any]:
    return [find_zone(session, v) for v in split_ids(raw)]


def refuse_filters(values: dict[str, Any], *names: str) -> None:
    """Filters on resources other areas own (VMs, volumes, networks...) until they exist.

    Answering all offerings would mislead a client asking "what can this VM
    change to?", so such a filter is refused with 431 instead of ignored.
    """
    for name in names:
        if values.get(name) is not None:
            raise InvalidParameter(
                f"Filtering by {name} is not available yet: that resource type is "
                "not managed by this cloud"
            )
