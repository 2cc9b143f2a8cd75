"""The heartbeat's own database handle, and the hand-off of dead peers' jobs.

A heartbeat round must never queue behind the node's load: not for a pooled
connection (request and job threads may hold them all), not for a row lock a
long job transaction holds, not for a server that stopped answering. So it
gets a connection of its own with short timeouts, and touches only
``management_server`` rows. Making a dead peer's jobs claimable (an UPDATE of
``async_job`` that may wait for locks) runs on another thread.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections.abc import Callable
from functools import partial

from cumulo.db.database import Database
from cumulo.db.retry import RetryPolicy
from cumulo.jobs import leases
from cumulo.runtime import Runtime

log = logging.getLogger(__name__)


def heartbeat_database(rt: Runtime) -> Database:
    """One connection (plus one spare) for heartbeats only; SQLite keeps its one engine.

    Every wait is bounded well below ``heartbeat_threshold``, so a stuck round
    fails fast and the next one tries again; only failing for the whole
    threshold fences the node (the rule is unchanged). Transactions are still
    retried on Galera certification conflicts and lost connections, briefly.
    """
    if rt.db.sqlite:
        return rt.db
    s = rt.settings
    # Whole seconds (MariaDB's unit), at least 1, at most a third of the threshold.
    bound = max(1, math.floor(s.heartbeat_threshold / 3))
    db = Database(
        s.effective_database_url,
        pool_size=1,
        replicas=s.database_replicas,
        failback_after=s.database_failback_seconds,
        connect_timeout=min(s.database_connect_timeout, bound),
        pool_timeout=bound,
        io_timeout=bound,
        lock_wait_timeout=bound,
    )
    db.retry = RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.2)
    return db


class Adopter:
    """Expires the job leases of peers declared Down, on a thread of its own.

    Retried until it succeeds (a lease UPDATE may wait for a job row's lock);
    if this node dies first the leases run out by themselves.
    """

    def __init__(self, db: Database, stopped: threading.Event, wake: Callable[[], None]) -> None:
        self.db = db
        self._stopped = stopped
        self._wake = wake
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="adopt", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def adopt(self, msids: list[int]) -> None:
        for msid in msids:
            self._queue.put(msid)

    def _loop(self) -> None:
        pending: set[int] = set()
        while not self._stopped.is_set():
            try:
                pending.add(self._queue.get(timeout=0.2 if pending else 0.5))
            except queue.Empty:
                if not pending:
                    continue
            todo = sorted(pending)
            try:
                n = self.db.run(partial(leases.expire_owned_by, msids=todo), idempotent=True)
            except Exception as exc:
                log.warning("could not hand over the jobs of %s yet: %s", todo, exc)
                self._stopped.wait(0.5)
                continue
            pending.clear()
            if n:
                log.warning("%d running jobs of %s are free for adoption", n, todo)
            self._wake()
