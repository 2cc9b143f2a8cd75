"""Database endpoint failover: primary plus replicas (db.cloud.replicas).

Two real MariaDB servers: the session's server is the replica, a private one
is the preferred endpoint, killed with SIGKILL and started again. A load of
``Database.run`` units of work (what every API request does) keeps going
while the node switches away and, once the preferred server has been healthy
for ``failback_after`` seconds, back.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cumulo.db.database import Database
from tests.support.mariadb import MariaDB

pytestmark = pytest.mark.slow


@pytest.fixture
def preferred(tmp_path: Path) -> Iterator[MariaDB]:
    server = MariaDB(tmp_path / "preferred").start()
    yield server
    server.stop()


def _same_database(name: str, *servers: MariaDB) -> None:
    for server in servers:
        with server.root() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}`")
            cur.execute(f"CREATE TABLE `{name}`.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")


def _port(session: Session) -> int:
    return int(session.execute(text("SELECT @@port")).scalar_one())


def _insert(session: Session) -> int:
    session.execute(text("INSERT INTO t (v) VALUES (1)"))
    return _port(session)


class Load:
    """Threads doing writes and reads through ``Database.run``; records every outcome."""

    def __init__(self, db: Database, threads: int = 3) -> None:
        self.db = db
        self.ok: list[tuple[float, int]] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                port = self.db.run(_insert, idempotent=True)
                port = self.db.run(_port, write=False)
                self.ok.append((time.monotonic(), port))
            except Exception as exc:  # the test reports every failure
                self.failures.append(repr(exc))
            time.sleep(0.02)

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)

    def longest_gap(self, since: float) -> float:
        times = [since, *sorted(t for t, _ in self.ok if t >= since)]
        return max(b - a for a, b in itertools.pairwise(times)) if len(times) > 1 else 1e9


def _wait_for(predicate: object, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


def test_node_switches_to_replica_and_back(preferred: MariaDB, mariadb: MariaDB) -> None:
    name = f"ep_{int(time.time() * 1000) % 10**9}"
    _same_database(name, preferred, mariadb)
    db = Database(
        preferred.url(name),
        replicas=[mariadb.url(name)],
        pool_size=4,
        failback_after=2.0,
        connect_timeout=1.0,
    )
    try:
        with Load(db) as load:
            _wait_for(lambda: len(load.ok) > 10, 10)
            assert {p for _, p in load.ok} == {preferred.port}

            killed = time.monotonic()
            preferred.kill()
            switched = _wait_for(lambda: any(p == mariadb.port for _, p in load.ok), 10)
            time.sleep(1.0)
            gap = load.longest_gap(killed)
            # Within seconds, and the retries of Database.run hide the switch.
            assert switched < 5, switched
            assert gap < 5, gap
            assert load.failures == []

            preferred.restart()
            back = time.monotonic()
            took = _wait_for(lambda: any(p == preferred.port for t, p in load.ok if t > back), 15)
            # Not before it has been healthy for failback_after seconds.
            assert took >= 2.0, took
            time.sleep(0.5)
            recent = {p for t, p in load.ok if t > time.monotonic() - 0.3}
            assert recent == {preferred.port}
        assert load.failures == []
        assert db.endpoints is not None and db.endpoints.switches == 2
    finally:
        db.dispose()
        mariadb.drop_database(name)


def test_unreachable_primary_at_start_uses_replica(mariadb: MariaDB) -> None:
    name = f"ep_{int(time.time() * 1000) % 10**9}"
    _same_database(name, mariadb)
    dead = "mysql+pymysql://cumulo:x@127.0.0.1:1/" + name  # nothing listens on port 1
    db = Database(dead, replicas=[mariadb.url(name)], connect_timeout=1.0)
    try:
        started = time.monotonic()
        assert db.run(_port, write=False) == mariadb.port
        assert time.monotonic() - started < 3
    finally:
        db.dispose()
        mariadb.drop_database(name)
