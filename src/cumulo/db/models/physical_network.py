"""Physical networks of a zone and the traffic types they carry.

Deleted for real (not soft-deleted), like CloudStack: nothing keeps history
of them, and a name may be reused at once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity


class PhysicalNetwork(Entity):
    __tablename__ = "physical_network"
    __table_args__ = (UniqueConstraint("zone_id", "name"),)

    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # Disabled | Enabled
    state: Mapped[str] = mapped_column(String(32), default="Disabled")
    # Comma-separated: VLAN, L3, GRE, VXLAN, ...
    isolation_methods: Mapped[str] = mapped_column(String(255), default="VLAN")
    tags: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # ZONE | POD
    broadcast_domain_range: Mapped[str] = mapped_column(String(16), default="ZONE")
    speed: Mapped[str | None] = mapped_column(String(32), nullable=True)
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domain.id"), nullable=True)


class TrafficType(Entity):
    """One kind of traffic (Guest, Public, Management, Storage) on a physical network."""

    __tablename__ = "physical_network_traffic_type"
    __table_args__ = (UniqueConstraint("physical_network_id", "traffic_type"),)

    physical_network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("physical_network.id"), index=True
    )
    traffic_type: Mapped[str] = mapped_column(String(32))
    kvm_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    xen_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    vmware_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    hyperv_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    ovm3_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    isolation_method: Mapped[str | None] = mapped_column(String(32), nullable=True)
    vlan: Mapped[str | None] = mapped_column(String(255), nullable=True)
