"""VPC offerings: the services a VPC (and its router) provide to its tiers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class VpcOffering(Entity, RemovableMixin):
    __tablename__ = "vpc_offering"

    name: Mapped[str] = mapped_column(String(255))
    unique_name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(4096), default="")
    # Enabled | Disabled
    state: Mapped[str] = mapped_column(String(16), default="Disabled")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    distributed_router: Mapped[bool] = mapped_column(Boolean, default=False)
    region_level_vpc: Mapped[bool] = mapped_column(Boolean, default=False)
    internet_protocol: Mapped[str | None] = mapped_column(String(16), nullable=True)
    service_offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_offering.id"), nullable=True
    )
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    capabilities: Mapped[str] = mapped_column(Text, default="{}")


class VpcOfferingService(Base, IdMixin):
    __tablename__ = "vpc_offering_service"
    __table_args__ = (UniqueConstraint("offering_id", "service", "provider"),)

    offering_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("vpc_offering.id"), index=True)
    service: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(64), default="")
