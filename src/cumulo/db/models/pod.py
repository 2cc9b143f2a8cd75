"""Pods: a rack-level group of clusters sharing one management subnet."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class Pod(Entity, RemovableMixin):
    __tablename__ = "pod"
    __table_args__ = (UniqueConstraint("zone_id", "name", "tombstone"),)

    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    gateway: Mapped[str | None] = mapped_column(String(64), nullable=True)
    netmask: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Reserved range for system VMs and hosts' private addresses.
    start_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    end_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Enabled | Disabled
    allocation_state: Mapped[str] = mapped_column(String(32), default="Enabled")
