"""An ordered list of database endpoints: the primary, then replicas.

Like CloudStack's ``db.cloud.replicas``: new connections go to the first
endpoint that answers. Unlike CloudStack (which goes back only after 3,600 s
or 5,000 queries) the node returns to the preferred endpoint once it has
answered health probes for ``failback_after`` seconds in a row.

How a switch happens:
* a new connection tries the current endpoint, then the others in order, each
  with a short connect timeout (``connect``);
* an error that means "this server is gone" (2003/2006/2013, or 1047: a
  Galera node outside the primary component) marks the endpoint of that
  connection failed and invalidates the whole pool (``handle_error``), so no
  other thread keeps talking to the dead server;
* every checkout compares the connection's endpoint with the current one and
  throws away connections to an endpoint we have left (``checkout``).

Galera safety: a node that is up but not synced (``wsrep_ready=OFF``) is
skipped when connecting, because it would answer every statement with 1047.
All nodes of a cluster switch to the same (first healthy) endpoint, so writes
keep meeting on one Galera node; while they differ, certification conflicts
(1213) are retried by ``Database.run`` as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pymysql
from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from cumulo.db.retry import CANT_CONNECT, LOST_CONNECTION, SERVER_GONE, UNKNOWN_COMMAND

log = logging.getLogger(__name__)

# Errors after which the endpoint is considered gone for this node.
ENDPOINT_DOWN = frozenset({CANT_CONNECT, SERVER_GONE, LOST_CONNECTION, UNKNOWN_COMMAND})
_ENDPOINT = "cumulo.endpoint"


class EndpointSet:
    """Chooses the endpoint for new connections; thread-safe."""

    def __init__(
        self,
        urls: list[str],
        *,
        connect_timeout: float = 2.0,
        failback_after: float = 30.0,
        probe_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("at least one database endpoint is needed")
        self.urls: list[URL] = [make_url(u) for u in urls]
        self.connect_timeout = connect_timeout
        self.failback_after = failback_after
        self.probe_interval = probe_interval
        self._clock = clock
        self._lock = threading.Lock()
        self.current = 0
        self.switches = 0
        self._healthy_since: float | None = None
        self._prober: threading.Thread | None = None
        self._stopped = threading.Event()
        self._engine: Engine | None = None

    def describe(self, index: int) -> str:
        u = self.urls[index]
        return f"{u.host}:{u.port or 3306}"

    # -- connecting ----------------------------------------------------------

    def _dbapi_connect(self, index: int, timeout: float) -> pymysql.connections.Connection:
        u = self.urls[index]
        conn = pymysql.connect(
            host=u.host or "localhost",
            port=int(u.port or 3306),
            user=u.username,
            password=u.password or "",
            database=u.database,
            charset=str(u.query.get("charset", "utf8mb4")),
            connect_timeout=timeout,
            read_timeout=30,
            write_timeout=30,
        )
        if not _galera_ready(conn):
            conn.close()
            raise pymysql.err.OperationalError(
                UNKNOWN_COMMAND, f"{self.describe(index)}: Galera node not synced (wsrep_ready)"
            )
        return conn

    def connect(self) -> tuple[int, pymysql.connections.Connection]:
        """A DB-API connection to the current endpoint, or the next that answers."""
        with self._lock:
            start = self.current
        order = [start] + [i for i in range(len(self.urls)) if i != start]
        last: Exception | None = None
        for index in order:
            try:
                conn = self._dbapi_connect(index, self.connect_timeout)
            except pymysql.err.MySQLError as error:
                log.warning("database endpoint %s unusable: %s", self.describe(index), error)
                last = error
                continue
            if index != start:
                self._switch(index, f"{self.describe(start)} did not answer")
            return index, conn
        assert last is not None
        raise last

    # -- switching -----------------------------------------------------------

    def mark_failed(self, index: int) -> None:
        """The endpoint of a connection died: new connections try the others first."""
        with self._lock:
            if index != self.current:
                return
        following = (index + 1) % len(self.urls)
        self._switch(following, f"{self.describe(index)} failed")

    def _switch(self, index: int, why: str) -> None:
        with self._lock:
            if index == self.current:
                return
            log.warning(
                "database endpoint %s -> %s (%s)",
                self.describe(self.current),
                self.describe(index),
                why,
            )
            self.current = index
            self.switches += 1
            self._healthy_since = None
        if index != 0:
            self._start_prober()

    def _start_prober(self) -> None:
        with self._lock:
            if self._prober is not None and self._prober.is_alive():
                return
            self._prober = threading.Thread(
                target=self._probe_loop, name="db-failback", daemon=True
            )
            self._prober.start()

    def _probe_loop(self) -> None:
        while not self._stopped.wait(self.probe_interval):
            with self._lock:
                if self.current == 0:
                    return
            if self.probe_preferred():
                return

    def probe_preferred(self) -> bool:
        """One health probe of the preferred endpoint; True once switched back."""
        try:
            self._dbapi_connect(0, min(self.connect_timeout, 1.0)).close()
        except pymysql.err.MySQLError:
            with self._lock:
                self._healthy_since = None
            return False
        now = self._clock()
        with self._lock:
            if self._healthy_since is None:
                self._healthy_since = now
            healthy_for = now - self._healthy_since
        if healthy_for < self.failback_after:
            return False
        self._switch(0, f"preferred endpoint healthy for {healthy_for:.1f} s")
        return True

    def stop(self) -> None:
        self._stopped.set()

    # -- engine wiring -------------------------------------------------------

    def install(self, engine: Engine) -> None:
        """Hook the engine's pool so connections follow the current endpoint."""
        self._engine = engine
        event.listen(engine, "handle_error", self._on_error)
        event.listen(engine.pool, "checkout", self._on_checkout)

    def creator(self) -> Any:
        index, conn = self.connect()
        # The pool's "connect" event gives us the record; the creator cannot,
        # so the endpoint travels on the DB-API connection object.
        conn._cumulo_endpoint = index
        return conn

    def _on_checkout(
        self, dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        index = getattr(dbapi_conn, "_cumulo_endpoint", 0)
        if index != self.current:
            # SQLAlchemy closes this connection and checks out a new one.
            raise exc.DisconnectionError(f"left database endpoint {self.describe(index)}")

    def _on_error(self, context: ExceptionContext) -> None:
        args = getattr(context.original_exception, "args", ())
        code = args[0] if args and isinstance(args[0], int) else None
        if code not in ENDPOINT_DOWN and not context.is_disconnect:
            return
        fairy = getattr(context.connection, "connection", None) if context.connection else None
        raw = getattr(fairy, "driver_connection", None) or getattr(fairy, "dbapi_connection", None)
        index = getattr(raw, "_cumulo_endpoint", None)
        if index is None:
            # Unknown origin (e.g. already invalidated): the next connect attempt,
            # which tries the current endpoint first, decides.
            return
        self.mark_failed(index)
        if code == UNKNOWN_COMMAND and self._engine is not None:
            # Not a disconnect for SQLAlchemy: drop the pool ourselves.
            self._engine.pool.dispose()


def _galera_ready(conn: pymysql.connections.Connection) -> bool:
    """False only on a Galera node that says it is not ready; plain MariaDB passes
    (it reports wsrep_ready=OFF too, but with wsrep_on=OFF)."""
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
        row = cur.fetchone()
        if row is None or str(row[1]).upper() != "ON":
            return True
        cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_ready'")
        row = cur.fetchone()
    return row is not None and str(row[1]).upper() == "ON"
