"""The in-process SQLite write queue: first come first served, job runner first (turn about)."""

from __future__ import annotations

import threading
import time

from cumulo.db.writelock import FairLock, mark_urgent


def _queue_up(lock: FairLock, names: list[tuple[str, bool]]) -> list[str]:
    """Start one waiter per name while the lock is held; the order they got it in."""
    order: list[str] = []
    assert lock.acquire(1)
    threads = []
    for name, urgent in names:

        def waiter(name: str = name, urgent: bool = urgent) -> None:
            if urgent:
                mark_urgent()
            with lock.held(10):
                order.append(name)

        t = threading.Thread(target=waiter)
        t.start()
        threads.append(t)
        time.sleep(0.05)  # queued in this order
    lock.release()
    for t in threads:
        t.join(10)
    return order


def test_writers_get_the_lock_in_arrival_order() -> None:
    names = [(f"w{i}", False) for i in range(6)]
    assert _queue_up(FairLock(), names) == [n for n, _ in names]


def test_job_runner_threads_go_before_requests_turn_about() -> None:
    order = _queue_up(
        FairLock(), [("req1", False), ("job1", True), ("req2", False), ("job2", True)]
    )
    # A job first, then a request (no starving either), each line in arrival order.
    assert order == ["job1", "req1", "job2", "req2"]


def test_a_line_of_job_threads_lets_one_request_through() -> None:
    order = _queue_up(FairLock(), [("job1", True), ("job2", True), ("job3", True), ("req1", False)])
    assert order == ["job1", "req1", "job2", "job3"]


def test_holder_may_enter_again_and_a_long_wait_gives_up() -> None:
    lock = FairLock()
    assert lock.acquire(1) and lock.acquire(1)  # nested unit of work in the same thread
    lock.release()
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(0.2)))
    t.start()
    t.join(5)
    assert got == [False]  # still held once: the other thread gave up after 0.2 s
    lock.release()
    assert lock.acquire(0.2)  # free again, nobody left queued
    lock.release()
