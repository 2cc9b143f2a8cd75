"""The Database handle: one engine, transactions, and retried units of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from cumulo.db import writelock
from cumulo.db.engine import is_sqlite, make_engine, normalise_url
from cumulo.db.retry import DUPLICATE_RETRIES, RetryPolicy, is_duplicate_key, is_retryable

if TYPE_CHECKING:  # PyMySQL is imported only where MariaDB is used (start-up time)
    from cumulo.db.endpoints import EndpointSet

T = TypeVar("T")
log = logging.getLogger(__name__)
# Seconds a SQLite writer waits in this process's queue before trying SQLite's
# own lock anyway (as long as its busy timeout).
WRITE_QUEUE_TIMEOUT = 30.0


class Database:
    """Owns the engine. ``run`` is how every unit of work reaches the database."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        replicas: Sequence[str] = (),
        failback_after: float = 30.0,
        connect_timeout: float = 2.0,
        pool_timeout: float = 10.0,
        io_timeout: int = 30,
        lock_wait_timeout: int | None = None,
    ) -> None:
        self.url = normalise_url(url)
        self.sqlite = is_sqlite(self.url)
        # Replicas (db.cloud.replicas) only make sense for a server database.
        self.endpoints: EndpointSet | None = None
        if replicas and not self.sqlite:
            from cumulo.db.endpoints import EndpointSet

            self.endpoints = EndpointSet(
                [self.url, *(normalise_url(r) for r in replicas)],
                connect_timeout=connect_timeout,
                failback_after=failback_after,
            )
        self.engine: Engine = make_engine(
            self.url,
            pool_size=pool_size,
            echo=echo,
            endpoints=self.endpoints,
            pool_timeout=pool_timeout,
            io_timeout=io_timeout,
            lock_wait_timeout=lock_wait_timeout,
        )
        read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(read_engine, expire_on_commit=False)
        self.retry = RetryPolicy()
        # SQLite: this process's writers queue in order (db/writelock.py).
        self._write_lock = writelock.for_file(self.url) if self.sqlite else None
        self._commit_listeners: list[Callable[[frozenset[str]], None]] = []
        event.listen(self._writer, "after_flush", _note_flushed)
        event.listen(self._writer, "do_orm_execute", _note_statement)
        event.listen(self._writer, "after_commit", self._after_commit)
        event.listen(self._writer, "after_soft_rollback", _forget_tables)

    def on_commit(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call ``listener(tables)`` after each commit that wrote to ``tables``.

        For per-process caches: they drop what a local write made stale at
        once (other nodes rely on the caches' short TTL). Statements sent as
        raw SQL text are not seen.
        """
        self._commit_listeners.append(listener)

    def _after_commit(self, session: Session) -> None:
        tables = frozenset(session.info.pop(_TOUCHED, ()))
        if tables:
            for listener in self._commit_listeners:
                listener(tables)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction, committed on success, rolled back on error. No retry."""
        factory = self._writer if write else self._reader
        if write and self._write_lock is not None:
            with self._write_lock.held(WRITE_QUEUE_TIMEOUT), factory() as session, session.begin():
                yield session
            return
        with factory() as session, session.begin():
            yield session

    def run(
        self,
        work: Callable[[Session], T],
        *,
        write: bool = True,
        idempotent: bool = False,
    ) -> T:
        """Run ``work`` in a transaction, again from scratch if the database asks.

        ``work`` must have no effect outside the session: it may run several
        times. ``idempotent`` allows a retry after a connection lost during
        COMMIT, whose outcome is unknown; a connection lost while ``work`` ran
        is always retried (nothing was committed).
        """
        attempt = 0
        while True:
            committing = False
            try:
                with self.session(write=write) as session:
                    result = work(session)
                    committing = True
                return result
            except Exception as exc:
                # A connection lost before COMMIT was sent took the transaction with
                # it (known outcome): only a lost COMMIT leaves the outcome unknown.
                known = not committing
                retry_ok = is_retryable(exc, idempotent=idempotent or not write or known) or (
                    write and attempt < DUPLICATE_RETRIES and is_duplicate_key(exc)
                )
                if not retry_ok or attempt + 1 >= self.retry.attempts:
                    raise
                log.info(
                    "retrying transaction after %s (attempt %d)",
                    exc.__class__.__name__,
                    attempt + 1,
                )
                self.retry.sleep(attempt)
                attempt += 1

    def now(self) -> datetime:
        """The database clock, the one time every node agrees on."""
        with self.engine.connect() as conn:
            return db_now(conn)

    def dispose(self) -> None:
        if self.endpoints is not None:
            self.endpoints.stop()
        self.engine.dispose()


_TOUCHED = "cumulo.touched_tables"


def _note_flushed(session: Session, _ctx: UOWTransaction) -> None:
    touched = session.info.setdefault(_TOUCHED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            touched.add(table)


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name:
        state.session.info.setdefault(_TOUCHED, set()).add(name)


def _forget_tables(session: Session, _previous: object) -> None:
    session.info.pop(_TOUCHED, None)


_MARIADB_NOW = text("SELECT UTC_TIMESTAMP(6)")


def db_now(conn: Session | Connection) -> datetime:
    bind = conn.connection() if isinstance(conn, Session) else conn
    if bind.dialect.name == "sqlite":
        # SQLite's clock is this machine's (every process on the file shares it):
        # no round trip, at SQLite's millisecond precision. Read after the
        # transaction has begun (a writer's BEGIN IMMEDIATE may wait for the
        # lock), as the SELECT it replaces was.
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
    value = conn.execute(_MARIADB_NOW).scalar_one()
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC)
