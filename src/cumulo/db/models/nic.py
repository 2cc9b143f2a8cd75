"""NICs: a VM's (or system VM's / router's) attachment to a network.

Uniqueness is enforced by the database, so concurrent deployments can never
get the same address or MAC: (network_id, ip4_address) and mac_address are
unique among live NICs.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class Nic(Entity, RemovableMixin):
    __tablename__ = "nic"
    __table_args__ = (
        UniqueConstraint("network_id", "ip4_address", "tombstone"),
        UniqueConstraint("mac_address", "tombstone"),
    )

    # The VM, system VM or router this NIC belongs to (vm_instance.id).
    instance_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # User | DomainRouter | ConsoleProxy | SecondaryStorageVm
    instance_type: Mapped[str] = mapped_column(String(32), default="User")
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    mac_address: Mapped[str] = mapped_column(String(17))
    ip4_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    netmask: Mapped[str | None] = mapped_column(String(64), nullable=True)
    gateway: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip6_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    broadcast_uri: Mapped[str | None] = mapped_column(String(255), nullable=True)
    isolation_uri: Mapped[str | None] = mapped_column(String(255), nullable=True)
    device_id: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Allocated | Reserved | Releasing | Deallocating
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
    reserver_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Live secondary IPs (addIpToNic); a conditional UPDATE keeps it under the limit.
    secondary_ips: Mapped[int] = mapped_column(Integer, default=0)
