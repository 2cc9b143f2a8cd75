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
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me or (self._owner is None and not self._queue):
                self._owner, self._depth = me, self._depth + 1
                return True
            entry = (me, threading.Event())
            self._queue.append(entry)
        if entry[1].wait(timeout):
            return True
        with self._mutex:
            if self._owner == me:  # handed over while the wait timed out
                return True
            self._queue.remove(entry)
            return False

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._queue:
                self._owner, event = self._queue.popleft()
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


_locks: dict[str, FairLock] = {}
_locks_mutex = threading.Lock()


def for_file(path: str) -> FairLock:
    """The lock of one database file (every ``Database`` on it in this process)."""
    with _locks_mutex:
        return _locks.setdefault(path, FairLock())
