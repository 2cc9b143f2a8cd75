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
from cumulo.jobs import leases

UP = "Up"
DOWN = "Down"
PREPARING = "PreparingForShutDown"
READY = "ReadyToShutDown"
SHUTTING_DOWN = "ShuttingDown"
# States of a node that is running (and so must keep its heartbeat).
ALIVE = (UP, PREPARING, READY, SHUTTING_DOWN)


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
    row.os_name = _os_distribution()
    row.kernel_version = platform.release()
    row.java_version = f"Python {platform.python_version()}"
    session.flush()
    # Jobs the previous run of this node was running are adopted now, not
    # when their leases run out (CloudStack's cleanupLeftOverJobs at start).
    leases.expire_owned_by(session, [row.msid])
    return NodeIdentity(row.id, row.uuid, row.msid, run_id, name)


def _os_distribution() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        return platform.system()


def heartbeat(session: Session, node: NodeIdentity, revive_as: str = UP) -> str | None:
    """Renew this node's heartbeat and return the row's state.

    None means the row is no longer ours (fence). The state may have been
    changed by an operator through any node (prepareForShutdown ...); a row
    a peer marked Down while this node was merely slow is revived.
    """
    res = session.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.run_id == node.run_id)
        .values(last_update=db_now(session))
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    state = session.execute(
        select(ManagementServer.state).where(ManagementServer.id == node.id)
    ).scalar_one()
    if state == DOWN:
        set_state(session, node, revive_as)
        return revive_as
    return str(state)


def set_state(session: Session, node: NodeIdentity, state: str) -> None:
    session.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.run_id == node.run_id)
        .values(state=state)
    )


def mark_dead_peers(session: Session, threshold_seconds: float, me: NodeIdentity) -> list[int]:
    """Declare Down every node silent for longer than the threshold; return their msids.

    Only ``management_server`` rows are touched: the heartbeat connection must
    never wait for a lock on job rows (a survivor's long job transaction holds
    the next-key lock a range UPDATE of ``async_job`` needs). The caller makes
    the dead nodes' jobs claimable in a transaction of its own
    (``leases.expire_owned_by``).
    """
    cutoff = db_now(session) - timedelta(seconds=threshold_seconds)
    dead = list(
        session.execute(
            select(ManagementServer.id, ManagementServer.msid).where(
                ManagementServer.state.in_(ALIVE),
                ManagementServer.last_update < cutoff,
                ManagementServer.removed.is_(None),
                # Never itself: this transaction may have waited for a lock
                # longer than the threshold since our own heartbeat.
                ManagementServer.id != me.id,
            )
        )
    )
    msids = []
    for row_id, msid in dead:
        res = session.execute(
            update(ManagementServer)
            .where(ManagementServer.id == row_id, ManagementServer.last_update < cutoff)
            .values(state=DOWN)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            msids.append(msid)
    return msids


def mark_stopped(session: Session, node: NodeIdentity) -> None:
    session.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.run_id == node.run_id)
        .values(state=DOWN, last_server_stop=db_now(session))
    )
