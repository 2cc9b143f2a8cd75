"""Database.run against real MariaDB conflicts: deadlocks, lock waits, lost connections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pymysql
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cumulo.db.database import Database
from cumulo.db.retry import (
    DEADLOCK,
    LOCK_WAIT_TIMEOUT,
    LOST_CONNECTION,
    SERVER_GONE,
    RetryPolicy,
    is_retryable,
    mysql_code,
)
from tests.support.mariadb import MariaDB


@pytest.fixture
def db(mariadb_url: str) -> Iterator[Database]:
    database = Database(mariadb_url, pool_size=4)
    with database.session() as s:
        s.execute(text("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL)"))
        s.execute(text("INSERT INTO counter VALUES (1, 0), (2, 0)"))
    yield database
    database.dispose()


def _bump(s: Session, row: int) -> None:
    s.execute(text("UPDATE counter SET n = n + 1 WHERE id = :id"), {"id": row})


def _counts(db: Database) -> list[int]:
    with db.session(write=False) as s:
        return [n for (n,) in s.execute(text("SELECT n FROM counter ORDER BY id"))]


def _crosswise(
    db: Database, second_update: Callable[[Session, int], None]
) -> tuple[dict[int, int], list[int | None]]:
    """Two transactions update rows 1 and 2 in opposite orders: one deadlocks.

    Returns how often each ran and the codes of those that failed for good.
    """
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {1: 0, 2: 0}
    errors: list[int | None] = []

    def worker(first: int, second: int) -> None:
        def work(s: Session) -> None:
            attempts[first] += 1
            _bump(s, first)
            if attempts[first] == 1:
                both_hold_one.wait()  # each holds one row lock: the next update deadlocks
            second_update(s, second)

        try:
            db.run(work)
        except DBAPIError as exc:  # pragma: no cover - the assertion below explains it
            errors.append(mysql_code(exc))

    threads = [threading.Thread(target=worker, args=pair) for pair in ((1, 2), (2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return attempts, errors


def test_opposite_order_updates_deadlock_and_both_succeed_after_retry(db: Database) -> None:
    retries: list[int] = []
    seen: list[int | None] = []

    def second(s: Session, row: int) -> None:
        try:
            _bump(s, row)
        except DBAPIError as exc:
            seen.append(mysql_code(exc))
            raise

    class Recording(RetryPolicy):
        def sleep(self, attempt: int) -> None:
            retries.append(attempt)
            super().sleep(attempt)

    db.retry = Recording()
    attempts, errors = _crosswise(db, second)
    assert errors == []
    # InnoDB chose one victim (1213); it ran again from scratch.
    assert sorted(attempts.values()) == [1, 2]
    assert seen == [DEADLOCK] and retries == [0]
    assert _counts(db) == [2, 2]  # both transactions committed, each exactly once


def test_deadlock_inside_a_savepoint_is_retried(db: Database) -> None:
    """InnoDB rolls the whole transaction back, so ROLLBACK TO SAVEPOINT fails (1305)
    and hides the deadlock: still a retry, not a 530 (first concurrent deployments)."""

    def second(s: Session, row: int) -> None:
        with s.begin_nested():  # as limits._ensure_count_row does
            _bump(s, row)

    attempts, errors = _crosswise(db, second)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]
    assert _counts(db) == [2, 2]


def test_lock_wait_timeout_is_retried_until_the_holder_commits(
    db: Database, mariadb: MariaDB
) -> None:
    holder = db.engine.connect()
    tx = holder.begin()
    holder.execute(text("UPDATE counter SET n = 100 WHERE id = 1"))
    attempts = 0
    seen: list[int | None] = []

    def work(s: Session) -> None:
        nonlocal attempts
        attempts += 1
        s.execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
        try:
            _bump(s, 1)
        except DBAPIError as exc:
            seen.append(mysql_code(exc))
            raise

    releaser = threading.Timer(1.5, tx.commit)
    releaser.start()
    try:
        db.run(work)
    finally:
        releaser.join()
        holder.close()
    assert attempts >= 2 and set(seen) == {LOCK_WAIT_TIMEOUT}  # 1205, retried, success
    assert _counts(db) == [101, 0]


def _error_from(db: Database, work: object) -> DBAPIError:
    with pytest.raises(DBAPIError) as err, db.session() as s:
        work(s)  # type: ignore[operator]
    return err.value


def test_real_errors_are_classified(db: Database, mariadb: MariaDB) -> None:
    # 1205: a row locked by another transaction.
    holder = db.engine.connect()
    tx = holder.begin()
    holder.execute(text("UPDATE counter SET n = 5 WHERE id = 2"))
    exc = _error_from(
        db,
        lambda s: (
            s.execute(text("SET SESSION innodb_lock_wait_timeout = 1")),
            _bump(s, 2),
        ),
    )
    tx.rollback()
    holder.close()
    assert mysql_code(exc) == LOCK_WAIT_TIMEOUT
    assert is_retryable(exc, idempotent=False)

    # 2013: the server drops the connection in the middle of a statement.
    def killed_mid_query(s: Session) -> None:
        conn_id = s.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        threading.Timer(0.3, _kill, (mariadb, conn_id)).start()
        s.execute(text("SELECT SLEEP(5)"))

    exc = _error_from(db, killed_mid_query)
    assert mysql_code(exc) in (LOST_CONNECTION, SERVER_GONE)
    assert not is_retryable(exc, idempotent=False)  # outcome unknown: only if idempotent
    assert is_retryable(exc, idempotent=True)

    # 2006: the connection died while idle, the next statement finds it gone.
    def killed_while_idle(s: Session) -> None:
        conn_id = s.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        _kill(mariadb, conn_id)
        time.sleep(0.2)
        s.execute(text("SELECT 1"))

    exc = _error_from(db, killed_while_idle)
    assert mysql_code(exc) in (SERVER_GONE, LOST_CONNECTION)
    assert not is_retryable(exc, idempotent=False)
    assert is_retryable(exc, idempotent=True)

    # A user mistake (duplicate key) is never retried.
    exc = _error_from(db, lambda s: s.execute(text("INSERT INTO counter VALUES (1, 0)")))
    assert mysql_code(exc) == 1062
    assert not is_retryable(exc, idempotent=True)


def test_read_retries_after_the_server_dropped_pooled_connections(
    db: Database, mariadb: MariaDB
) -> None:
    with db.session(write=False) as s:
        conn_id = s.execute(text("SELECT CONNECTION_ID()")).scalar_one()
    _kill(mariadb, conn_id)  # the pooled connection is now dead
    assert _counts(db) == [0, 0]  # pre-ping replaced it transparently


def _kill(mariadb: MariaDB, conn_id: int) -> None:
    with mariadb.root() as conn, conn.cursor() as cur:
        cur.execute(f"KILL {int(conn_id)}")


def test_a_savepoint_the_server_discarded_is_retried() -> None:
    # Galera aborted the transaction (1213) inside begin_nested(); SQLAlchemy's
    # ROLLBACK TO SAVEPOINT then raises this, unwrapped (seen in test_galera).
    gone = pymysql.err.OperationalError(1305, "SAVEPOINT sa_savepoint_1 does not exist")
    assert is_retryable(gone, idempotent=False)
    assert not is_retryable(pymysql.err.OperationalError(1054, "Unknown column"), idempotent=True)
    assert not is_retryable(ValueError(1305), idempotent=True)


def test_connection_lost_before_commit_is_retried_even_when_not_idempotent(
    db: Database, mariadb: MariaDB
) -> None:
    """Lost in the middle of the work, the transaction died with the connection:
    nothing was committed, so the work runs again (and lands once)."""
    runs = []

    def work(s: Session) -> None:
        runs.append(1)
        _bump(s, 1)
        if len(runs) == 1:
            conn_id = s.execute(text("SELECT CONNECTION_ID()")).scalar_one()
            threading.Timer(0.3, _kill, (mariadb, conn_id)).start()
            s.execute(text("SELECT SLEEP(5)"))

    db.run(work)
    assert len(runs) == 2
    assert _counts(db) == [1, 0]


def test_connection_lost_in_commit_is_not_retried_unless_idempotent(db: Database) -> None:
    """At COMMIT the outcome is unknown: a non-idempotent unit of work is not repeated."""
    lost = DBAPIError("COMMIT", {}, pymysql.err.OperationalError(LOST_CONNECTION, "lost"))
    runs = []

    def fail_commit(_session: Session) -> None:
        if len(runs) == 1:
            raise lost

    event.listen(db._writer, "before_commit", fail_commit)
    try:
        with pytest.raises(DBAPIError):
            db.run(lambda s: (runs.append(1), _bump(s, 1)))
        assert len(runs) == 1
        runs.clear()
        db.run(lambda s: (runs.append(1), _bump(s, 1)), idempotent=True)
        assert len(runs) == 2
    finally:
        event.remove(db._writer, "before_commit", fail_commit)
