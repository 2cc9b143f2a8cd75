"""The Database handle: one engine, transactions, and retried units of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from cumulo.db.engine import is_sqlite, make_engine, normalise_url
from cumulo.db.retry import RetryPolicy, is_retryable

T = TypeVar("T")
log = logging.getLogger(__name__)


class Database:
    """Owns the engine. ``run`` is how every unit of work reaches the database."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine: Engine = make_engine(self.url, pool_size=pool_size, echo=echo)
        self.sqlite = is_sqlite(self.url)
        read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(read_engine, expire_on_commit=False)
        self.retry = RetryPolicy()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction, committed on success, rolled back on error. No retry."""
        factory = self._writer if write else self._reader
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
        COMMIT, whose outcome is unknown.
        """
        attempt = 0
        while True:
            try:
                with self.session(write=write) as session:
                    return work(session)
            except Exception as exc:
                retry_ok = is_retryable(exc, idempotent=idempotent or not write)
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
        self.engine.dispose()


def db_now(conn: Session | Connection) -> datetime:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    dialect = bind.dialect.name
    sql = (
        "SELECT UTC_TIMESTAMP(6)"
        if dialect in ("mysql", "mariadb")
        else "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"
    )
    value = conn.execute(text(sql)).scalar_one()
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC)
