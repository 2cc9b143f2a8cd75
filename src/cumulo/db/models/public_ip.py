"""Public IP addresses taken from a zone's public ranges (CloudStack's ``user_ip_address``).

A row exists only while the address is allocated; the unique constraint on
(zone, address, tombstone) is what keeps two concurrent allocations from ever
getting the same address — the loser retries with the next free one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin, UTCDateTime


class PublicIp(Entity, RemovableMixin):
    __tablename__ = "public_ip"
    __table_args__ = (UniqueConstraint("zone_id", "address", "tombstone"),)

    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    vlan_id: Mapped[int] = mapped_column(ForeignKey("vlan.id"), index=True)
    physical_network_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    address: Mapped[str] = mapped_column(String(64))
    # The guest network the address serves (associatednetworkid).
    network_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    is_source_nat: Mapped[bool] = mapped_column(Boolean, default=False)
    is_static_nat: Mapped[bool] = mapped_column(Boolean, default=False)
    static_nat_vm_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The VM's guest address the NAT forwards to: its NIC's primary or a secondary IP.
    static_nat_vm_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    # Allocating | Allocated | Releasing
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
    allocated: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Bumped by every rule change on the address, so concurrent conflicting
    # rules collide on this row (Galera certification) instead of both passing.
    rules_version: Mapped[int] = mapped_column(BigInteger, default=0)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
