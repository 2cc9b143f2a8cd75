"""Runs queued jobs on this node: claim under a lease, execute, record the result.

Any node may run any job. A job is claimed with a conditional UPDATE (free, or
its lease expired), so two nodes never run it at once; the lease is renewed
while it runs. When a node dies, is declared Down or restarts, its leases are
expired and survivors adopt the jobs (see ``jobs.adoption``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.declaration import lookup
from cumulo.db import writelock
from cumulo.db.database import Database
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.job import AsyncJob, JobStatus
from cumulo.jobs import adoption, leases, sealed
from cumulo.jobs.context import JobInterrupted, JobRun
from cumulo.jobs.leases import Claim
from cumulo.jobs.results import failure_result, success_result
from cumulo.runtime import Runtime

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.threads = runtime.settings.job_threads
        self.lease = timedelta(seconds=runtime.settings.job_lease_seconds)
        # Job threads, claims and renewals go first in SQLite's write queue.
        self._pool = ThreadPoolExecutor(
            self.threads, thread_name_prefix="job", initializer=writelock.mark_urgent
        )
        self._running: dict[int, tuple[Claim, JobRun | None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # The last claim filled every free thread (jobs may be waiting for one).
        self._backlog = False
        # Lease renewals; the node agent gives them connections of their own.
        self.lease_db: Database = runtime.db

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
        if not wait:
            self.release_all()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs here; False if some still do after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.running() == 0

    def release_all(self) -> None:
        """Hand every running job over: interrupt the runs, expire the leases."""
        with self._lock:
            for _claim, run in self._running.values():
                if run is not None:
                    run.interrupted.set()
            has_jobs = bool(self._running)
        if has_jobs and self.rt.msid is not None:
            msid = self.rt.msid
            self.rt.db.run(lambda s: leases.expire_owned_by(s, [msid]), idempotent=True)

    # -- claiming --------------------------------------------------------
    def _poll_loop(self) -> None:
        writelock.mark_urgent()
        while not self._stop.is_set():
            # Cleared before claiming: a wake-up that arrives during the claim
            # is kept for the next round instead of being lost.
            self.rt.job_wakeup.clear()
            try:
                if self.rt.accepting_jobs and self.rt.msid is not None:
                    self.claim_and_run()
            except Exception:
                log.exception("job poll failed")
            self.rt.job_wakeup.wait(self.rt.settings.job_poll_interval)

    def claim_and_run(self) -> int:
        free = self.threads - self.running()
        msid = self.rt.msid
        if free <= 0 or msid is None:
            self._backlog = free <= 0
            return 0
        with self._lock:
            running = list(self._running)
        claimed = self.rt.db.run(lambda s: leases.claim(s, msid, self.lease, free, running))
        # Every thread got a job: more may be queued, so a thread that frees up claims at once.
        self._backlog = len(claimed) == free
        if claimed and not self.rt.accepting_jobs:
            # Draining or fenced while the claim waited for the database.
            self.rt.db.run(lambda s: leases.release(s, msid, claimed), idempotent=True)
            return 0
        for c in claimed:
            with self._lock:
                self._running[c.job_id] = (c, None)
            self._pool.submit(self._execute, c)
        return len(claimed)

    def _renew_loop(self) -> None:
        writelock.mark_urgent()
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            with self._lock:
                claims = [c for c, _run in self._running.values()]
            msid = self.rt.msid
            if not claims or msid is None:
                continue
            try:
                lost: set[int] = self.lease_db.run(
                    partial(leases.renew, msid=msid, claims=claims, lease=self.lease),
                    idempotent=True,
                )
            except Exception:
                log.exception("job lease renewal failed")
                continue
            self._interrupt(lost)

    def _interrupt(self, job_ids: set[int]) -> None:
        with self._lock:
            for job_id in job_ids:
                _claim, run = self._running.get(job_id, (None, None))
                if run is not None:
                    log.warning("lost the lease of job %s; another node took it", run.job_uuid)
                    run.interrupted.set()

    # -- execution -------------------------------------------------------
    def _execute(self, claim: Claim) -> None:
        try:
            self._execute_job(claim)
        except JobInterrupted as exc:
            log.warning("%s", exc)
        except Exception:
            log.exception("job %s could not be finished", claim.job_id)
        finally:
            with self._lock:
                self._running.pop(claim.job_id, None)
            if self._backlog:
                self.rt.job_wakeup.set()

    def _execute_job(self, claim: Claim) -> None:
        loaded = self.rt.db.run(lambda s: _load(s, claim.job_id), write=False)
        if loaded is None:
            return
        job, adopted_from = loaded
        data = json.loads(job.payload)
        run = JobRun(
            runtime=self.rt,
            job_id=job.id,
            job_uuid=job.uuid,
            caller=Caller.from_json(data["caller"]),
            attempt=claim.attempt,
            checkpoint=json.loads(job.checkpoint or "{}"),
            adopted_from=adopted_from,
            instance_type=job.instance_type,
            instance_uuid=job.instance_uuid,
        )
        run.recorder = partial(self._record_success, claim, job.command)
        with self._lock:
            self._running[claim.job_id] = (claim, run)
        status, code, body = self._outcome(job.command, run, data.get("payload", {}))
        if status == JobStatus.SUCCEEDED and run.completed:
            self._finished()  # the answer went out with the executor's last transaction
            return
        self.finish(claim, status, code, body)

    def _outcome(
        self, name: str, run: JobRun, payload: dict[str, Any]
    ) -> tuple[int, int, dict[str, Any]]:
        command = lookup(name)
        if command is None or command.executor is None:
            text = (
                f"The command {name} of job {run.job_uuid} is not known to management server "
                f"{self.rt.node_name} (version {self.rt.version}); it cannot be run"
            )
            return JobStatus.FAILED, 530, adoption.failed(text)
        why = adoption.must_compensate(command, run, self.rt.settings.job_max_attempts)
        if why is not None:
            log.warning("job %s is not resumed: %s", run.job_uuid, why)
            return JobStatus.FAILED, 530, adoption.compensate(command, run, payload, why)
        if run.adopted_from is not None:
            log.info("resuming job %s after %s stopped", run.job_uuid, run.adopted_from)
        try:
            result = command.executor(run, payload)
            if run.completed:  # recorded already, by JobRun.complete
                return JobStatus.SUCCEEDED, 0, {}
            # A new password in the result is kept sealed in the job row (jobs/sealed.py).
            return (
                JobStatus.SUCCEEDED,
                0,
                sealed.seal(success_result(command, result), self.rt.secrets),
            )
        except JobInterrupted:
            raise
        except Exception as exc:
            code, body = failure_result(exc, job_uuid=run.job_uuid)
            return JobStatus.FAILED, code, body

    def finish(self, claim: Claim, status: int, code: int, body: dict[str, Any]) -> bool:
        msid = self.rt.msid
        assert msid is not None
        done = self.rt.db.run(
            lambda s: leases.finish(s, claim, msid, status, code, body), idempotent=True
        )
        if not done:
            log.warning("job %s was taken over before it finished here", claim.job_id)
        self._finished()
        return done

    def _record_success(self, claim: Claim, name: str, session: Session, result: Any) -> None:
        """``JobRun.complete``: the answer in the executor's own (last) transaction."""
        command = lookup(name)
        msid = self.rt.msid
        assert command is not None and msid is not None
        body = sealed.seal(success_result(command, result), self.rt.secrets)
        if not leases.finish(session, claim, msid, JobStatus.SUCCEEDED, 0, body):
            raise JobInterrupted(f"job {claim.job_id} was taken over before it finished here")

    def _finished(self) -> None:
        with self.rt.job_finished:
            self.rt.job_finished.notify_all()


def _load(session: Session, job_id: int) -> tuple[AsyncJob, str | None] | None:
    job = session.get(AsyncJob, job_id)
    if job is None or job.status != JobStatus.IN_PROGRESS:
        return None
    if job.interrupted_msid is None:
        return job, None
    name = session.execute(
        select(ManagementServer.name).where(ManagementServer.msid == job.interrupted_msid)
    ).scalar()
    return job, name or str(job.interrupted_msid)
