"""Alerts for the operator (``listAlerts``): capacity, hosts, system VMs ..."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, UTCDateTime, utcnow


class Alert(Entity):
    __tablename__ = "alert"
    __table_args__ = (
        # "Is this condition already reported?" (raise_alert) and type filters.
        Index("ix_alert_type_scope", "type", "zone_id", "pod_id", "cluster_id", "resolved"),
        Index("ix_alert_archived_created", "archived", "created"),
    )

    type: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(999))
    content: Mapped[str] = mapped_column(Text, default="")
    zone_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    pod_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sent_count: Mapped[int] = mapped_column(Integer, default=1)
    last_sent: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the condition cleared; a new crossing then raises a new alert.
    resolved: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
