"""Cluster-wide job housekeeping, run by one node at a time.

``job.expire.minutes``: finished jobs older than that are deleted.
``job.cancel.threshold.minutes``: jobs still running after that are failed,
so no job shows ``jobstatus=0`` forever.

One node at a time holds the ``task_lease`` row of a task (conditional UPDATE,
no GET_LOCK); if it dies, the lease runs out and another node takes over.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cumulo.db.database import db_now
from cumulo.db.models.job import AsyncJob, JobStatus
from cumulo.runtime import Runtime
from cumulo.services import task_leases

TASK = "job.housekeeping"
PURGE_BATCH = 1000


def purge_expired(session: Session, expire_minutes: int) -> int:
    cutoff = db_now(session) - timedelta(minutes=expire_minutes)
    ids = list(
        session.execute(
            select(AsyncJob.id)
            .where(AsyncJob.status != JobStatus.IN_PROGRESS, AsyncJob.completed < cutoff)
            .limit(PURGE_BATCH)
        ).scalars()
    )
    if ids:
        session.execute(delete(AsyncJob).where(AsyncJob.id.in_(ids)))
    return len(ids)


def cancel_stuck(session: Session, threshold_minutes: int) -> int:
    now = db_now(session)
    cutoff = now - timedelta(minutes=threshold_minutes)
    text = (
        f"The job was cancelled because it was still running after {threshold_minutes} "
        "minutes (job.cancel.threshold.minutes)"
    )
    res = session.execute(
        update(AsyncJob)
        .where(AsyncJob.status == JobStatus.IN_PROGRESS, AsyncJob.created < cutoff)
        .values(
            status=JobStatus.FAILED,
            result_code=530,
            result=json.dumps({"errorcode": 530, "errortext": text}),
            completed=now,
            last_updated=now,
            lease_expires=None,
        )
    )
    return int(res.rowcount)  # type: ignore[attr-defined]


def run_once(rt: Runtime) -> tuple[int, int] | None:
    """One housekeeping round if this node gets the lease: (purged, cancelled)."""
    msid = rt.msid
    if msid is None:
        return None
    ttl = timedelta(seconds=max(5.0, rt.settings.job_housekeeping_interval * 2))
    seconds = ttl.total_seconds()
    if not rt.db.run(lambda s: task_leases.acquire(s, TASK, msid, seconds), idempotent=True):
        return None
    expire = rt.config.get_int("job.expire.minutes")
    threshold = rt.config.get_int("job.cancel.threshold.minutes")
    cancelled = rt.db.run(lambda s: cancel_stuck(s, threshold), idempotent=True)
    purged = 0
    while True:
        n = rt.db.run(lambda s: purge_expired(s, expire), idempotent=True)
        purged += n
        if n < PURGE_BATCH:
            return purged, cancelled
