"""What a job's executor works with."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.database import db_now
from cumulo.db.models.job import AsyncJob, JobStatus

if TYPE_CHECKING:
    from cumulo.runtime import Runtime

T = TypeVar("T")


class JobInterrupted(Exception):
    """This run no longer owns the job (lease lost, node fenced or draining).

    Raised before any of the run's further work commits; the job itself is
    finished by whichever node owns it now.
    """


_COMPLETES = "cumulo.job_completes"


@dataclass(frozen=True)
class _Done:
    """A transaction's value whose transaction also recorded the job's answer."""

    value: Any


@dataclass
class JobRun:
    """One execution attempt of a job.

    ``attempt`` > 1 means an earlier run was cut short (its node died,
    restarted or handed the job over): executors use ``step`` so finished
    work is not done again. ``(owner msid, attempt)`` is the run's fencing
    token: every transaction of the run first proves, in the same
    transaction, that the job is still its own and the lease unexpired.
    """

    runtime: Runtime
    job_id: int
    job_uuid: str
    caller: Caller
    attempt: int = 1
    checkpoint: dict[str, Any] = field(default_factory=dict)
    # Name of the node whose run was interrupted, when this run adopted the job.
    adopted_from: str | None = None
    instance_type: str | None = None
    instance_uuid: str | None = None
    # Set by the runner when the lease is given up; checked before each transaction.
    interrupted: threading.Event = field(default_factory=threading.Event)
    # Set by the runner: writes the executor's result as the job's answer (see ``complete``).
    recorder: Callable[[Session, Any], None] | None = None
    # True once ``complete`` ran in a transaction that committed.
    completed: bool = False

    def transaction(self, work: Callable[[Session], T], *, idempotent: bool = False) -> T:
        """Run ``work`` in a transaction that commits only while this run owns the job."""

        def guarded(session: Session) -> T:
            self.hold(session)
            value = work(session)
            # Still in the transaction; ``completed`` flips only once it committed.
            done = session.info.pop(_COMPLETES, None) is self
            return _Done(value) if done else value  # type: ignore[return-value]

        value = self.runtime.db.run(guarded, idempotent=idempotent)
        if isinstance(value, _Done):
            self.completed = True
            return value.value  # type: ignore[no-any-return]
        return value

    def complete(self, session: Session, result: Any) -> None:
        """Make ``result`` the job's answer in ``session``'s transaction (its last one).

        Saves the runner's own transaction for the answer: the job ends when
        this transaction commits, so the executor must not run another
        transaction of the job after it (``hold`` would refuse: the job is no
        longer in progress). The runner then only checks ``completed``.
        """
        if self.recorder is None:
            return
        self.recorder(session, result)
        # Marked after the commit: a rolled-back or retried transaction did not end the job.
        session.info[_COMPLETES] = self

    def hold(self, session: Session) -> None:
        """Prove ownership inside ``session``'s transaction, or raise ``JobInterrupted``."""
        if self.interrupted.is_set():
            raise JobInterrupted(f"job {self.job_uuid} was handed over")
        now = db_now(session)
        res = session.execute(
            update(AsyncJob)
            .where(
                AsyncJob.id == self.job_id,
                AsyncJob.owner_msid == self.runtime.msid,
                AsyncJob.attempts == self.attempt,
                AsyncJob.status == JobStatus.IN_PROGRESS,
                AsyncJob.lease_expires > now,
            )
            # Work in progress renews the lease too: a busy database (SQLite
            # writers queueing) must not starve a run that is committing.
            .values(
                last_updated=utcnow(),
                lease_expires=now + timedelta(seconds=self.runtime.settings.job_lease_seconds),
            )
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise JobInterrupted(f"job {self.job_uuid} is no longer owned by this run")

    def step(self, name: str, work: Callable[[], T]) -> T:
        """Run ``work`` once across attempts; its JSON result is remembered.

        ``work`` itself is outside any transaction (e.g. a call to a host), so
        a crash between it and the checkpoint repeats it: it must be idempotent.
        """
        if name in self.checkpoint:
            return self.checkpoint[name]  # type: ignore[no-any-return]
        value = work()
        self.transaction(lambda s: self._save(s, name, value), idempotent=True)
        self.checkpoint[name] = value
        return value

    def transaction_step(self, name: str, work: Callable[[Session], T]) -> T:
        """Exactly once across attempts: the work and its checkpoint commit together."""
        if name in self.checkpoint:
            return self.checkpoint[name]  # type: ignore[no-any-return]

        def both(session: Session) -> T:
            value = work(session)
            self._save(session, name, value)
            return value

        value = self.transaction(both)
        self.checkpoint[name] = value
        return value

    def _save(self, session: Session, name: str, value: Any) -> None:
        done = {**self.checkpoint, name: value}
        session.execute(
            update(AsyncJob).where(AsyncJob.id == self.job_id).values(checkpoint=json.dumps(done))
        )
