"""Runs queued jobs on this node: claim under a lease, execute, record the result.

Any node may run any job. A job is claimed with a conditional UPDATE (free, or
its lease expired), so two nodes never run it at once; the lease is renewed
while it runs. When a node dies its leases run out and survivors adopt the
jobs: the executor runs again with the checkpoint of the steps already done.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.declaration import lookup
from cumulo.db.base import utcnow
from cumulo.db.database import db_now
from cumulo.db.models.job import AsyncJob, JobStatus
from cumulo.jobs.context import JobRun
from cumulo.jobs.results import failure_result, success_result
from cumulo.runtime import Runtime

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.threads = runtime.settings.job_threads
        self.lease = timedelta(seconds=runtime.settings.job_lease_seconds)
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="job")
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        for target, name in ((self._poll_loop, "job-poll"), (self._renew_loop, "job-lease")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, *, wait: bool = True) -> None:
        self._stop.set()
        self.rt.job_wakeup.set()
        for t in self._threads:
            t.join(timeout=5)
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    # -- claiming --------------------------------------------------------
    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.rt.accepting_jobs and self.rt.msid is not None:
                    self.claim_and_run()
            except Exception:
                log.exception("job poll failed")
            self.rt.job_wakeup.wait(self.rt.settings.job_poll_interval)
            self.rt.job_wakeup.clear()

    def claim_and_run(self) -> int:
        free = self.threads - self.running()
        if free <= 0:
            return 0
        claimed = self.rt.db.run(lambda s: self._claim(s, free))
        for job_id in claimed:
            with self._lock:
                self._running.add(job_id)
            self._pool.submit(self._execute, job_id)
        return len(claimed)

    def _claim(self, session: Session, limit: int) -> list[int]:
        now = db_now(session)
        candidates = session.execute(
            select(AsyncJob.id)
            .where(
                AsyncJob.status == JobStatus.IN_PROGRESS,
                or_(AsyncJob.owner_msid.is_(None), AsyncJob.lease_expires < now),
            )
            .order_by(AsyncJob.id)
            .limit(limit)
        ).scalars()
        claimed = []
        for job_id in candidates:
            res = session.execute(
                update(AsyncJob)
                .where(
                    AsyncJob.id == job_id,
                    AsyncJob.status == JobStatus.IN_PROGRESS,
                    or_(AsyncJob.owner_msid.is_(None), AsyncJob.lease_expires < now),
                )
                .values(
                    owner_msid=self.rt.msid,
                    lease_expires=now + self.lease,
                    attempts=AsyncJob.attempts + 1,
                    last_updated=now,
                )
            )
            if res.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(job_id)
        return claimed

    def _renew_loop(self) -> None:
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            with self._lock:
                ids = list(self._running)
            if not ids or self.rt.msid is None:
                continue
            try:
                self.rt.db.run(partial(self._renew, ids=ids), idempotent=True)
            except Exception:
                log.exception("job lease renewal failed")

    def _renew(self, session: Session, *, ids: list[int]) -> None:
        now = db_now(session)
        session.execute(
            update(AsyncJob)
            .where(AsyncJob.id.in_(ids), AsyncJob.owner_msid == self.rt.msid)
            .values(lease_expires=now + self.lease)
        )

    # -- execution -------------------------------------------------------
    def _execute(self, job_id: int) -> None:
        try:
            self._execute_job(job_id)
        except Exception:
            log.exception("job %s could not be finished", job_id)
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _execute_job(self, job_id: int) -> None:
        job = self.rt.db.run(lambda s: s.get(AsyncJob, job_id), write=False)
        if job is None or job.status != JobStatus.IN_PROGRESS:
            return
        data = json.loads(job.payload)
        run = JobRun(
            runtime=self.rt,
            job_id=job.id,
            job_uuid=job.uuid,
            caller=Caller.from_json(data["caller"]),
            attempt=job.attempts,
            checkpoint=json.loads(job.checkpoint or "{}"),
        )
        command = lookup(job.command)
        try:
            if command is None or command.executor is None:
                raise RuntimeError(f"no executor for {job.command}")
            result = command.executor(run, data.get("payload", {}))
            status, code, body = JobStatus.SUCCEEDED, 0, success_result(command, result)
        except Exception as exc:
            code, body = failure_result(exc, job_uuid=job.uuid)
            status = JobStatus.FAILED
        self.finish(job_id, status, code, body)

    def finish(self, job_id: int, status: int, code: int, body: dict[str, object]) -> bool:
        """Record the outcome, only if this node still owns the job."""
        text = json.dumps(body)

        def work(session: Session) -> bool:
            res = session.execute(
                update(AsyncJob)
                .where(
                    AsyncJob.id == job_id,
                    AsyncJob.owner_msid == self.rt.msid,
                    AsyncJob.status == JobStatus.IN_PROGRESS,
                )
                .values(
                    status=status,
                    result_code=code,
                    result=text,
                    completed=utcnow(),
                    last_updated=utcnow(),
                    lease_expires=None,
                )
            )
            return res.rowcount == 1  # type: ignore[attr-defined,no-any-return]

        return self.rt.db.run(work, idempotent=True)
