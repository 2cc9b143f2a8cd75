"""Domain and zone restrictions of offerings (service, disk, network, VPC).

An offering without rows here is public / available in every zone. Zones are
kept as plain internal ids (no foreign key) because the zone model lives in
another area; a zone row that disappears simply stops matching.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, IdMixin


class OfferingDomain(Base, IdMixin):
    __tablename__ = "offering_domain"
    __table_args__ = (UniqueConstraint("kind", "offering_id", "domain_id"),)

    # service | disk | network | vpc
    kind: Mapped[str] = mapped_column(String(16))
    offering_id: Mapped[int] = mapped_column(BigInteger, index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)


class OfferingZone(Base, IdMixin):
    __tablename__ = "offering_zone"
    __table_args__ = (UniqueConstraint("kind", "offering_id", "zone_id"),)

    kind: Mapped[str] = mapped_column(String(16))
    offering_id: Mapped[int] = mapped_column(BigInteger, index=True)
    zone_id: Mapped[int] = mapped_column(BigInteger, index=True)
