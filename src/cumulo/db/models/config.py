"""Stored values of global settings; definitions live in code (the catalogue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, IdMixin, UTCDateTime, utcnow


class ConfigValue(Base, IdMixin):
    """A value set with updateConfiguration, globally or for one scope object."""

    __tablename__ = "configuration"
    __table_args__ = (UniqueConstraint("name", "scope", "scope_id"),)

    name: Mapped[str] = mapped_column(String(255))
    # Global | Zone | Cluster | StoragePool | Account | Domain | ImageStore | ManagementServer
    scope: Mapped[str] = mapped_column(String(32), default="Global")
    # Internal id of the scope object; 0 for Global.
    scope_id: Mapped[int] = mapped_column(BigInteger, default=0)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
