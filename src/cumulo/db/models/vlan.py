"""IP ranges of a zone (CloudStack's ``vlan`` table): public ranges and pod guest ranges."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity


class Vlan(Entity):
    __tablename__ = "vlan"

    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pod.id"), nullable=True, index=True)
    physical_network_id: Mapped[int | None] = mapped_column(
        ForeignKey("physical_network.id"), nullable=True, index=True
    )
    # The guest network of a shared/direct range (no FK: networks live elsewhere).
    network_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # "untagged" or "vlan://<id>"
    vlan_tag: Mapped[str] = mapped_column(String(255), default="untagged")
    gateway: Mapped[str | None] = mapped_column(String(64), nullable=True)
    netmask: Mapped[str | None] = mapped_column(String(64), nullable=True)
    start_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    end_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_gateway: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_cidr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_start: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_end: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # VirtualNetwork (public) | DirectAttached (shared / pod guest range)
    vlan_type: Mapped[str] = mapped_column(String(32), default="VirtualNetwork")
    for_system_vms: Mapped[bool] = mapped_column(Boolean, default=False)
    # Dedicated ranges.
    account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    domain_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
