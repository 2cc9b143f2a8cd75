"""Zones: the top of the physical hierarchy (one data center)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class Zone(Entity, RemovableMixin):
    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("name", "tombstone"),)

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Basic | Advanced
    network_type: Mapped[str] = mapped_column(String(32))
    dns1: Mapped[str] = mapped_column(String(64))
    dns2: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_dns1: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_dns2: Mapped[str | None] = mapped_column(String(64), nullable=True)
    internal_dns1: Mapped[str] = mapped_column(String(64))
    internal_dns2: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guest_cidr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    network_domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Dedicated to a domain (createZone domainid); None = public zone.
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domain.id"), nullable=True)
    security_group_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    local_storage_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    is_edge: Mapped[bool] = mapped_column(Boolean, default=False)
    # Enabled | Disabled
    allocation_state: Mapped[str] = mapped_column(String(32), default="Disabled")
    dhcp_provider: Mapped[str] = mapped_column(String(64), default="VirtualRouter")
    zone_token: Mapped[str] = mapped_column(String(64))
    sort_key: Mapped[int] = mapped_column(Integer, default=0)


class ZoneDetail(Base, IdMixin):
    """Free-form key/value settings of a zone (updateZone details)."""

    __tablename__ = "zone_detail"
    __table_args__ = (UniqueConstraint("zone_id", "name"),)

    zone_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("zone.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(1024))
