"""Leases that let exactly one node at a time run a cluster-wide periodic task.

Taken with a conditional UPDATE (free, expired, or already ours), never with
GET_LOCK, so it works the same on SQLite, MariaDB and multi-writer Galera.
"""

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
    # When the task last ran to completion (any node).
    last_run: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
