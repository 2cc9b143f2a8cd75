"""Guest (and system) networks.

Shared contract between the network service (create, implement, rules) and
the VM service (NICs on these networks).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin


class Network(Entity, RemovableMixin):
    __tablename__ = "network"
    __table_args__ = (
        Index("ix_network_owner", "account_id", "domain_path"),
        # Admin lists walk this index in id order and count and keyword-match on it alone
        # (docs/benchmarks-scale.md): no sort, no table rows for the rows skipped or counted.
        Index("ix_network_list", "removed", "is_system", "id", "account_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(255), default="")
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    physical_network_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    network_offering_id: Mapped[int] = mapped_column(BigInteger)
    # Guest | Public | Management | Control | Storage
    traffic_type: Mapped[str] = mapped_column(String(32), default="Guest")
    # Isolated | Shared | L2
    guest_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Allocated | Setup | Implementing | Implemented | Shutdown | Destroy
    state: Mapped[str] = mapped_column(String(32), default="Allocated")
    # vlan://123, or None until implemented
    broadcast_uri: Mapped[str | None] = mapped_column(String(255), nullable=True)
    broadcast_domain_type: Mapped[str] = mapped_column(String(32), default="Vlan")
    cidr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    gateway: Mapped[str | None] = mapped_column(String(64), nullable=True)
    netmask: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # For shared networks: the allocatable range inside the cidr.
    start_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    end_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    network_domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    dns1: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dns2: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Account | Domain | Zone (shared networks)
    acl_type: Mapped[str] = mapped_column(String(16), default="Account")
    specify_ip_ranges: Mapped[bool] = mapped_column(Boolean, default=False)
    restart_required: Mapped[bool] = mapped_column(Boolean, default=False)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    vpc_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Owner
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Bumped on every change; writers update "WHERE version = :seen".
    version: Mapped[int] = mapped_column(Integer, default=0)
