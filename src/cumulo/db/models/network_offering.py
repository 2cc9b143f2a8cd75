"""Network offerings: which services a guest network gets and who provides them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class NetworkOffering(Entity, RemovableMixin):
    __tablename__ = "network_offering"

    name: Mapped[str] = mapped_column(String(255))
    # CloudStack's internal unique name; equals the name for user-created ones.
    unique_name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(4096), default="")
    # Isolated | Shared | L2
    guest_ip_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Guest | Public | Management | Control | Storage
    traffic_type: Mapped[str] = mapped_column(String(16), default="Guest")
    tags: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    system_only: Mapped[bool] = mapped_column(Boolean, default=False)
    specify_vlan: Mapped[bool] = mapped_column(Boolean, default=False)
    specify_ip_ranges: Mapped[bool] = mapped_column(Boolean, default=False)
    conserve_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    # Required | Optional
    availability: Mapped[str] = mapped_column(String(16), default="Optional")
    network_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Enabled | Disabled
    state: Mapped[str] = mapped_column(String(16), default="Disabled")
    for_vpc: Mapped[bool] = mapped_column(Boolean, default=False)
    is_persistent: Mapped[bool] = mapped_column(Boolean, default=False)
    egress_default_policy: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_alive_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    max_connections: Mapped[int | None] = mapped_column(Integer, nullable=True)
    internet_protocol: Mapped[str | None] = mapped_column(String(16), nullable=True)
    service_offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_offering.id"), nullable=True
    )
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: {service: {capability: value}} and the details map.
    capabilities: Mapped[str] = mapped_column(Text, default="{}")
    details: Mapped[str | None] = mapped_column(Text, nullable=True)


class NetworkOfferingService(Base, IdMixin):
    """One (service, provider) pair; a service without provider has provider ''."""

    __tablename__ = "network_offering_service"
    __table_args__ = (UniqueConstraint("offering_id", "service", "provider"),)

    offering_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("network_offering.id"), index=True
    )
    service: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(64), default="")
