"""This node's row in ``management_server`` and the heartbeat that keeps it Up.

Time comes from the database clock, so nodes with skewed clocks still agree
on who is alive. A heartbeat that matches no row (another start took over the
node's run id, or an operator removed it) means this node must fence itself.
"""

from __future__ import annotations

import os
import platform
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.db.database import db_now
from cumulo.db.models.cluster import ManagementServer


@dataclass(frozen=True)
class NodeIdentity:
    id: int
    uuid: str
    msid: int
    run_id: int
    name: str


def register(
    session: Session, *, name: str, service_ip: str, service_port: int, version: str
) -> NodeIdentity:
    """Create or take over this node's row with a fresh run id."""
    now = db_now(session)
    run_id = time.time_ns() ^ os.getpid()
    row = session.execute(
        select(ManagementServer).where(
            ManagementServer.name == name, ManagementServer.removed.is_(None)
        )
    ).scalar()
    if row is None:
        row = ManagementServer(
            name=name,
            msid=random.getrandbits(48),
            service_ip=service_ip,
            service_port=service_port,
            version=version,
            run_id=run_id,
            last_update=now,
            state="Up",
            last_server_start=now,
        )
        session.add(row)
    else:
        row.service_ip, row.service_port, row.version = service_ip, service_port, version
        row.run_id, row.last_update, row.state, row.last_server_start = run_id, now, "Up", now
    row.os_name = f"{platform.system()} {platform.release()}"
    row.java_version = f"Python {platform.python_version()}"
    session.flush()
    return NodeIdentity(row.id, row.uuid, row.msid, run_id, name)


def heartbeat(session: Session, node: NodeIdentity, state: str = "Up") -> bool:
    """Renew this node's heartbeat; False means the row is no longer ours (fence)."""
    res = session.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.run_id == node.run_id)
        .values(last_update=db_now(session), state=state)
    )
    return res.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def mark_dead_peers(session: Session, threshold_seconds: float) -> list[int]:
    """Declare Down every Up node silent for longer than the threshold; return their msids."""
    cutoff = db_now(session) - timedelta(seconds=threshold_seconds)
    dead = list(
        session.execute(
            select(ManagementServer.id, ManagementServer.msid).where(
                ManagementServer.state.in_(("Up", "PreparingForShutDown", "ReadyToShutDown")),
                ManagementServer.last_update < cutoff,
                ManagementServer.removed.is_(None),
            )
        )
    )
    for row_id, _msid in dead:
        session.execute(
            update(ManagementServer)
            .where(ManagementServer.id == row_id, ManagementServer.last_update < cutoff)
            .values(state="Down")
        )
    return [msid for _id, msid in dead]


def mark_stopped(session: Session, node: NodeIdentity) -> None:
    session.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.run_id == node.run_id)
        .values(state="Down", last_server_stop=db_now(session))
    )
