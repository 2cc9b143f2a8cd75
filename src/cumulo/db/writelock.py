"""First come, first served: one SQLite writer at a time per database file in this process.

SQLite lets one transaction write at a time; the others retry in its busy
handler, sleeping up to 100 ms between tries, so under a stream of writers a
waiting one can lose every race for many seconds (a job's lease renewal
starved that way, and the job was handed over). Writers of one process
therefore queue here, in arrival order, before ``BEGIN IMMEDIATE``; the lock is
handed straight to the next in line. Other processes on the same file still
meet SQLite's own lock. A thread already holding the lock passes (nested
units of work behave as before), and a wait longer than ``timeout`` goes on
without the lock, leaving it to SQLite's busy timeout as before.

Threads marked ``urgent`` (the job runner's: claims, lease renewals and the
transactions of running jobs) are served before the others: under a flood of
new requests the work already under a lease finishes first, instead of
queueing behind the requests until its lease runs out. Not strictly, though:
after an urgent writer, a waiting request goes next. Strict priority starved
the requests instead (deployVirtualMachine waited behind the job threads'
transactions until its 40 s request deadline, while the job threads ran out
of queued jobs); turn about, an urgent writer still waits for at most one
request per urgent writer ahead of it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class FairLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queue: deque[tuple[int, threading.Event]] = deque()
        self._urgent: deque[tuple[int, threading.Event]] = deque()
        self._owner: int | None = None
        self._depth = 0
        # The lock last went to an urgent writer: a waiting request is next.
        self._request_turn = False

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me or (self._owner is None and not self._waiting()):
                self._owner, self._depth = me, self._depth + 1
                return True
            entry = (me, threading.Event())
            line = self._urgent if getattr(_local, "urgent", False) else self._queue
            line.append(entry)
        if entry[1].wait(timeout):
            return True
        with self._mutex:
            if self._owner == me:  # handed over while the wait timed out
                return True
            line.remove(entry)
            return False

    def _waiting(self) -> bool:
        return bool(self._urgent or self._queue)

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            line = self._urgent or self._queue
            if self._request_turn and self._queue:
                line = self._queue
            self._request_turn = line is self._urgent
            if line:
                self._owner, event = line.popleft()
                self._depth = 1
                event.set()
            else:
                self._owner = None

    @contextmanager
    def held(self, timeout: float) -> Iterator[None]:
        got = self.acquire(timeout)
        try:
            yield
        finally:
            if got:
                self.release()


_local = threading.local()


def mark_urgent() -> None:
    """This thread's write transactions go ahead of unmarked ones (the job runner's)."""
    _local.urgent = True


_locks: dict[str, FairLock] = {}
_locks_mutex = threading.Lock()


def for_file(path: str) -> FairLock:
    """The lock of one database file (every ``Database`` on it in this process)."""
    with _locks_mutex:
        return _locks.setdefault(path, FairLock())
