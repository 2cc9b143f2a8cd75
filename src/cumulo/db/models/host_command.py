"""Commands for a host, queued for whichever management node owns the host.

A host's agent connection lives in one process: its owner (``host.mgmt_server_msid``).
A node that needs the host to do something while another node owns it writes
a row here; the owner claims it (Pending -> Running, conditional UPDATE),
runs it against the driver and writes the answer (Running -> Done). The
sender polls the row. See docs/agents.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import BigId, Entity, UTCDateTime


class HostCommandState:
    PENDING = "Pending"
    RUNNING = "Running"
    DONE = "Done"
    # Nobody ran it: the sender gave up waiting, or the owner died mid-run.
    ABANDONED = "Abandoned"


class HostCommand(Entity):
    __tablename__ = "host_command"
    __table_args__ = (Index("ix_host_command_state_host", "state", "host_id"),)

    host_id: Mapped[int] = mapped_column(BigId, ForeignKey("host.id"))
    command: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default=HostCommandState.PENDING)
    sender_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The node running it (set when claimed).
    runner_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    completed: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
