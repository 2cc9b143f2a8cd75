"""Engines for SQLite (embedded default) and MariaDB / Galera."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:  # PyMySQL is imported only where MariaDB is used (start-up time)
    from cumulo.db.endpoints import EndpointSet


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept ``mysql://`` / ``mariadb://`` and pick the PyMySQL driver."""
    u = make_url(url)
    if u.get_backend_name() in ("mysql", "mariadb") and u.get_driver_name() in ("mysqldb", ""):
        u = u.set(drivername=f"{u.get_backend_name()}+pymysql")
    if u.get_backend_name() in ("mysql", "mariadb") and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    return u.render_as_string(hide_password=False)


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    endpoints: EndpointSet | None = None,
    pool_timeout: float = 10.0,
    io_timeout: int = 30,
    lock_wait_timeout: int | None = None,
) -> Engine:
    """``endpoints`` (MariaDB only) makes connections follow an ordered endpoint list.

    ``io_timeout`` bounds each read and write on a connection (seconds; not with
    ``endpoints``, whose connections the endpoint set makes), ``lock_wait_timeout``
    sets the session's ``innodb_lock_wait_timeout`` (None: the server's).
    """
    url = normalise_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, pool_size=pool_size, echo=echo)
    if endpoints is not None:
        engine = create_engine(
            url,
            creator=endpoints.creator,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_recycle=600,
            pool_timeout=pool_timeout,
            echo=echo,
        )
        endpoints.install(engine)
        _on_connect(engine, lock_wait_timeout)
        return engine
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=600,
        pool_timeout=pool_timeout,
        connect_args={
            "connect_timeout": 3,
            "read_timeout": io_timeout,
            "write_timeout": io_timeout,
        },
        echo=echo,
    )
    _on_connect(engine, lock_wait_timeout)
    return engine


def _on_connect(engine: Engine, lock_wait_timeout: int | None) -> None:
    event.listen(engine, "connect", _causal_reads)
    if lock_wait_timeout is None:
        return

    def _lock_wait(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"SET SESSION innodb_lock_wait_timeout = {int(lock_wait_timeout)}")
        finally:
            cur.close()

    event.listen(engine, "connect", _lock_wait)


def _causal_reads(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    """On Galera, make reads wait until this node has applied every earlier commit.

    Galera applies other nodes' commits asynchronously: without this, a node
    can read a row as it was before a commit that has already returned on
    another node (a job queued via node A not found via node B, a schema just
    deployed not there yet). 1 = causality checks on reads; the cost is the
    wait for the node's apply queue, nothing on plain MariaDB (wsrep_on=OFF).
    """
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SELECT @@wsrep_on")
        row = cur.fetchone()
        if row and row[0] in (1, "1", "ON"):
            cur.execute("SET SESSION wsrep_sync_wait = 1")
    except Exception:  # a server without wsrep variables (MySQL): nothing to do
        pass
    finally:
        cur.close()


def _sqlite_engine(url: str, *, pool_size: int, echo: bool) -> Engine:
    # As many pooled connections as for MariaDB: SQLAlchemy's default (5) is
    # fewer than the request threads, and each overflow connection was opened
    # (PRAGMAs and all) and closed again per request under load.
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"timeout": 30, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # writers can take the lock up front (BEGIN IMMEDIATE) instead of
        # failing with "database is locked" when upgrading a read lock.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "DEFERRED":
            # A reader's BEGIN takes no lock and cannot fail on one: sent on the
            # DBAPI connection, since exec_driver_sql's execution context and
            # events cost more than the BEGIN itself, on every read request.
            conn.connection.dbapi_connection.execute("BEGIN DEFERRED")
            return
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
