"""Guest VLANs (vnets) taken by implemented networks.

One row per VLAN in use on a physical network; the unique constraint on
(physical_network_id, vnet, tombstone) makes a claim atomic, so two networks
implemented at the same time on any nodes never share a VLAN.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class GuestVnet(Entity, RemovableMixin):
    __tablename__ = "guest_vnet"
    __table_args__ = (UniqueConstraint("physical_network_id", "vnet", "tombstone"),)

    physical_network_id: Mapped[int] = mapped_column(ForeignKey("physical_network.id"))
    zone_id: Mapped[int] = mapped_column(BigInteger, index=True)
    vnet: Mapped[int] = mapped_column(Integer)
    network_id: Mapped[int] = mapped_column(BigInteger, index=True)
