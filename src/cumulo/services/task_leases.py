"""One node at a time for periodic tasks, without GET_LOCK.

A task's lease is one row; a node takes it with a conditional UPDATE (free,
expired, or already its own), so exactly one node's UPDATE matches even when
several try in the same instant (on Galera the loser fails certification and
retries, then sees the lease taken).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.db.database import db_now
from cumulo.db.models.task_lease import TaskLease


def acquire(session: Session, name: str, msid: int, seconds: float) -> bool:
    """Take or renew the lease for ``seconds``; False when another node holds it."""
    now = db_now(session)  # the database clock: nodes' clocks may disagree
    until = now + timedelta(seconds=seconds)
    if session.execute(select(TaskLease.name).where(TaskLease.name == name)).first() is None:
        try:
            with session.begin_nested():
                session.add(TaskLease(name=name, owner_msid=msid, expires=until))
            return True
        except IntegrityError:
            pass  # another node created it first; compete below
    result = session.execute(
        update(TaskLease)
        .where(
            TaskLease.name == name,
            or_(
                TaskLease.owner_msid.is_(None),
                TaskLease.owner_msid == msid,
                TaskLease.expires < now,
            ),
        )
        .values(owner_msid=msid, expires=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]
