"""The SQL of job ownership: claim, renew, give up and finish under a lease.

A job is owned by ``(owner_msid, attempts)``: claiming bumps ``attempts``, so
a run that lost its lease can never commit again (see ``JobRun.hold``). Every
change is a conditional UPDATE; no row locks or GET_LOCK are needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from cumulo.db.base import utcnow
from cumulo.db.database import db_now
from cumulo.db.models.job import AsyncJob, JobStatus

# Released leases are set this far in the past, so they are claimable at once.
RELEASED = timedelta(seconds=1)


@dataclass(frozen=True)
class Claim:
    job_id: int
    attempt: int


def _claimable(now: object) -> Any:
    return (
        AsyncJob.status == JobStatus.IN_PROGRESS,
        or_(AsyncJob.owner_msid.is_(None), AsyncJob.lease_expires < now),
    )


def claim(
    session: Session, msid: int, lease: timedelta, limit: int, running: Iterable[int] = ()
) -> list[Claim]:
    """Take up to ``limit`` free or expired jobs, oldest first.

    ``running`` are the jobs this node is executing right now: a renewal that
    came late (a starved node) must not make the node take its own job over
    and run it twice; the next renewal extends that lease again. Other nodes
    may still take it, which is what the lease is for.
    """
    now = db_now(session)
    stmt = select(AsyncJob.id, AsyncJob.attempts).where(*_claimable(now))
    mine = list(running)
    if mine:
        stmt = stmt.where(AsyncJob.id.not_in(mine))
    candidates = session.execute(stmt.order_by(AsyncJob.id).limit(limit)).all()
    claimed = []
    for job_id, attempts in candidates:
        res = session.execute(
            update(AsyncJob)
            .where(AsyncJob.id == job_id, AsyncJob.attempts == attempts, *_claimable(now))
            # Ordered: MySQL evaluates SET left to right with the new values,
            # so the old owner must be read before owner_msid is overwritten.
            .ordered_values(
                # Remember whose run was cut short, for the adopted job's errortext.
                (
                    AsyncJob.interrupted_msid,
                    func.coalesce(AsyncJob.owner_msid, AsyncJob.interrupted_msid),
                ),
                (AsyncJob.owner_msid, msid),
                (AsyncJob.lease_expires, now + lease),
                (AsyncJob.attempts, attempts + 1),
                (AsyncJob.started, func.coalesce(AsyncJob.started, now)),
                (AsyncJob.last_updated, now),
            )
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(Claim(job_id, attempts + 1))
    return claimed


def renew(session: Session, msid: int, claims: Iterable[Claim], lease: timedelta) -> set[int]:
    """Extend the leases still ours; return the ids whose lease was lost."""
    now = db_now(session)
    lost = set()
    for c in claims:
        res = session.execute(
            update(AsyncJob)
            .where(
                AsyncJob.id == c.job_id,
                AsyncJob.owner_msid == msid,
                AsyncJob.attempts == c.attempt,
                AsyncJob.status == JobStatus.IN_PROGRESS,
            )
            .values(lease_expires=now + lease)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            lost.add(c.job_id)
    return lost


def expire_owned_by(session: Session, msids: Iterable[int]) -> int:
    """Make the running jobs of these nodes claimable now (node Down, restarted, draining)."""
    ids = list(msids)
    if not ids:
        return 0
    now = db_now(session)
    res = session.execute(
        update(AsyncJob)
        .where(
            AsyncJob.owner_msid.in_(ids),
            AsyncJob.status == JobStatus.IN_PROGRESS,
            AsyncJob.lease_expires >= now - RELEASED,
        )
        .values(lease_expires=now - RELEASED)
    )
    return int(res.rowcount)  # type: ignore[attr-defined]


def release(session: Session, msid: int, claims: Iterable[Claim]) -> None:
    """Give back claims this node cannot run after all (it began draining meanwhile)."""
    now = db_now(session)
    for c in claims:
        session.execute(
            update(AsyncJob)
            .where(
                AsyncJob.id == c.job_id,
                AsyncJob.owner_msid == msid,
                AsyncJob.attempts == c.attempt,
                AsyncJob.status == JobStatus.IN_PROGRESS,
            )
            .values(lease_expires=now - RELEASED)
        )


def finish(
    session: Session, claim_: Claim, msid: int, status: int, code: int, body: dict[str, Any]
) -> bool:
    """Record the outcome, only if this run still owns the job."""
    now = db_now(session)
    res = session.execute(
        update(AsyncJob)
        .where(
            AsyncJob.id == claim_.job_id,
            AsyncJob.owner_msid == msid,
            AsyncJob.attempts == claim_.attempt,
            AsyncJob.status == JobStatus.IN_PROGRESS,
        )
        .values(
            status=status,
            result_code=code,
            result=json.dumps(body),
            completed=now,
            last_updated=utcnow(),
            lease_expires=None,
        )
    )
    return res.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def pending_count(session: Session, msid: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(AsyncJob)
            .where(AsyncJob.owner_msid == msid, AsyncJob.status == JobStatus.IN_PROGRESS)
        ).scalar_one()
    )
