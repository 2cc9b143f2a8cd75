"""Guest VLAN (vnet) ranges of a physical network (updatePhysicalNetwork vlan=...)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity


class GuestVlanRange(Entity):
    __tablename__ = "guest_vlan_range"

    physical_network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("physical_network.id"), index=True
    )
    zone_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("zone.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
