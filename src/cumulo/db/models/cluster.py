"""Management server nodes and their membership."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin, UTCDateTime


class ManagementServer(Entity, RemovableMixin):
    __tablename__ = "management_server"

    # Stable node identity (CloudStack's msid); unique among live rows.
    msid: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    service_ip: Mapped[str] = mapped_column(String(64))
    service_port: Mapped[int] = mapped_column(Integer, default=8080)
    version: Mapped[str] = mapped_column(String(32))
    # Up | Down | PreparingForShutDown | ReadyToShutDown | ...
    state: Mapped[str] = mapped_column(String(32), default="Up")
    # Changes at every start; a heartbeat that no longer matches means fenced.
    run_id: Mapped[int] = mapped_column(BigInteger)
    last_update: Mapped[datetime] = mapped_column(UTCDateTime())
    last_server_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_server_stop: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    os_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    java_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kernel_version: Mapped[str | None] = mapped_column(String(128), nullable=True)
