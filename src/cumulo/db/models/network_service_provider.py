"""Network service providers of a physical network, and virtual router elements."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity


class NetworkServiceProvider(Entity):
    __tablename__ = "network_service_provider"
    __table_args__ = (UniqueConstraint("physical_network_id", "name"),)

    physical_network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("physical_network.id"), index=True
    )
    # VirtualRouter | VpcVirtualRouter | InternalLbVm | SecurityGroupProvider | ConfigDrive ...
    name: Mapped[str] = mapped_column(String(64))
    # Disabled | Enabled | Shutdown
    state: Mapped[str] = mapped_column(String(32), default="Disabled")
    destination_physical_network_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Comma-separated service names (Dhcp, Dns, SourceNat ...).
    services: Mapped[str] = mapped_column(String(1024), default="")


class VirtualRouterElement(Entity):
    """The configurable element behind a VirtualRouter / VpcVirtualRouter provider."""

    __tablename__ = "virtual_router_element"
    __table_args__ = (UniqueConstraint("provider_id"),)

    provider_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("network_service_provider.id"))
    # VirtualRouter | VPCVirtualRouter
    type: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
