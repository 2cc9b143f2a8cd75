"""Simulator fault-injection rules (configureSimulator), shared by every node."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class SimulatorMock(Entity, RemovableMixin):
    __tablename__ = "simulator_mock"

    # Agent command name, e.g. StartCommand, PingCommand.
    name: Mapped[str] = mapped_column(String(255), index=True)
    # Pipe-separated key:value pairs: result:fail|wait:500
    value: Mapped[str] = mapped_column(String(4096))
    # Scope: all None = global; else the narrowest id given (internal ids, as CloudStack).
    zone_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    pod_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    host_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Remaining uses; None = until cleaned up.
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    json_response: Mapped[str | None] = mapped_column(String(4096), nullable=True)
