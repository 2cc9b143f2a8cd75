"""Leases for periodic work that one management node at a time should do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, UTCDateTime


class TaskLease(Base):
    __tablename__ = "task_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
