"""Resource limits and the running counts they are checked against.

Both are keyed by owner: an account or a domain. Counts of storage types are
in bytes, memory in MiB; limits use the API's units (GiB for storage).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin


class ResourceLimit(Entity):
    __tablename__ = "resource_limit"
    __table_args__ = (UniqueConstraint("owner_type", "owner_id", "resource_type"),)

    # account | domain
    owner_type: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[int] = mapped_column(BigInteger)
    resource_type: Mapped[int] = mapped_column(Integer)
    # -1 = unlimited
    max: Mapped[int] = mapped_column(BigInteger)


class ResourceCount(Base, IdMixin):
    __tablename__ = "resource_count"
    __table_args__ = (UniqueConstraint("owner_type", "owner_id", "resource_type"),)

    owner_type: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[int] = mapped_column(BigInteger)
    resource_type: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
