"""Addresses held on guest networks, and a NIC's secondary IPs.

``GuestAddress`` is the one arbiter of "who holds address X on network N":
every address a NIC takes — its primary address or a secondary IP — has a
row, and the primary key (network_id, address) makes a concurrent second
taker fail its insert, on any node (a Galera write-set conflict on the same
key). Rows live exactly as long as the address is held.

``NicSecondaryIp`` is CloudStack's ``nic_secondary_ips``: an extra address of
a user VM's NIC (addIpToNic), usable by static NAT and port forwarding with
``vmguestip``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Base, Entity, RemovableMixin


class GuestAddress(Base):
    __tablename__ = "guest_address"

    network_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    nic_id: Mapped[int] = mapped_column(BigInteger, index=True)


class NicSecondaryIp(Entity, RemovableMixin):
    __tablename__ = "nic_secondary_ip"
    __table_args__ = (UniqueConstraint("network_id", "ip4_address", "tombstone"),)

    nic_id: Mapped[int] = mapped_column(ForeignKey("nic.id"), index=True)
    vm_id: Mapped[int] = mapped_column(BigInteger, index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    ip4_address: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    # Bumped by a rule that starts using the address, so a concurrent removal
    # and a new rule write the same row and cannot both commit.
    version: Mapped[int] = mapped_column(Integer, default=0)
