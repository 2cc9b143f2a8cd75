"""No pooled connection free: who waits, who retries, who goes on with what it has.

In the HA lab's deploy storm every request thread of a node held a connection
while asking the settings cache for a value; the one reloading it needed a
second connection, and the others queued behind its lock with theirs. These
tests stand in a pool timeout for the saturated pool.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cumulo.services.configuration import ConfigStore


class _Db:
    """Database stand-in for the settings cache: loads, or finds no free connection."""

    def __init__(self) -> None:
        self.busy = False
        self.loads = 0
        self.value = "7"

    def run(self, work: Any, *, write: bool = True) -> dict[tuple[str, str, int], str | None]:
        if self.busy:
            raise PoolTimeout("QueuePool limit reached, connection timed out")
        self.loads += 1
        return {("expunge.delay", "Global", 0): self.value}


def test_settings_are_kept_when_no_connection_is_free_for_the_reload() -> None:
    db = _Db()
    store = ConfigStore(db, ttl=0.0)  # type: ignore[arg-type]
    assert store.get_int("expunge.delay") == 7
    db.busy = True
    assert store.get_int("expunge.delay") == 7  # stale, but no error and no wait
    db.busy, db.value = False, "9"
    assert store.get_int("expunge.delay") == 9


def test_the_first_load_still_fails_without_a_connection() -> None:
    db = _Db()
    db.busy = True
    with pytest.raises(PoolTimeout):
        ConfigStore(db, ttl=0.0).get_int("expunge.delay")  # type: ignore[arg-type]


def test_readers_do_not_queue_behind_a_reload() -> None:
    db = _Db()
    store = ConfigStore(db, ttl=0.0)  # type: ignore[arg-type]
    assert store.get_int("expunge.delay") == 7
    store._lock.acquire()  # another thread is reloading (and waiting for the pool)
    try:
        got: list[int] = []
        reader = threading.Thread(target=lambda: got.append(store.get_int("expunge.delay")))
        reader.start()
        reader.join(timeout=5)
        assert got == [7]  # answered from the snapshot, not blocked on the lock
    finally:
        store._lock.release()
