"""One heartbeat round on MariaDB in two round trips, on a connection kept for it.

Under load a node's Python threads compete for the interpreter lock, and a
thread waiting on the database gives it up and must win it back after every
reply. The ORM round (pool checkout with a ping, two transactions, separate
clock reads, the reset on return: about ten round trips and a lot of Python)
took 1.5-1.9 s with a dozen busy threads (tests/test_heartbeat_priority.py); a
heartbeat that slow delays peer-failure detection by as much. This round is
plain SQL in autocommit on a DB-API connection the heartbeat thread keeps
checked out: renew, then read every row (own state and silent peers in one
SELECT). The database clock decides, as in ``membership``; every change is a
single conditional UPDATE (no transaction spans two statements), so
concurrent rounds on several nodes (and Galera certification) stay safe.
SQLite keeps the ORM round (one machine, no pool).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from cumulo.cluster import membership as ms
from cumulo.cluster.membership import NodeIdentity
from cumulo.db.database import Database
from cumulo.db.retry import CONNECTION_LOST, ROLLED_BACK, mysql_code

log = logging.getLogger(__name__)

_RENEW = "UPDATE management_server SET last_update = UTC_TIMESTAMP(6) WHERE id = %s AND run_id = %s"
_ROWS = (
    "SELECT id, msid, state, last_update < UTC_TIMESTAMP(6) - INTERVAL %s MICROSECOND"
    " FROM management_server WHERE removed IS NULL"
)
_ALIVE = ", ".join(f"'{s}'" for s in ms.ALIVE)
_MARK_DOWN = (
    f"UPDATE management_server SET state = '{ms.DOWN}' WHERE id = %s AND state IN ({_ALIVE})"
    " AND last_update < UTC_TIMESTAMP(6) - INTERVAL %s MICROSECOND"
)
_REVIVE = "UPDATE management_server SET state = %s WHERE id = %s AND run_id = %s"
# Worth another try within the round: the server asked for it, or the connection went.
_TRANSIENT = ROLLED_BACK | CONNECTION_LOST
ATTEMPTS = 3


class LeanHeartbeat:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: Any = None

    def round(
        self, node: NodeIdentity, revive_as: str, threshold: float
    ) -> tuple[str | None, list[int]]:
        """Renew, then declare silent peers Down: (own state or None = fence, dead msids)."""
        for attempt in range(ATTEMPTS):
            try:
                return self._round(node, revive_as, threshold)
            except Exception as exc:
                self._discard(exc)
                if attempt + 1 >= ATTEMPTS or _code(exc) not in _TRANSIENT:
                    raise
                log.info("heartbeat round retried after %s", exc)
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _round(
        self, node: NodeIdentity, revive_as: str, threshold: float
    ) -> tuple[str | None, list[int]]:
        if self._conn is None:
            conn = self.db.engine.raw_connection()
            conn.dbapi_connection.autocommit(True)  # type: ignore[union-attr]
            self._conn = conn
        conn = self._conn
        micros = int(threshold * 1_000_000)
        with conn.cursor() as cur:
            if cur.execute(_RENEW, (node.id, node.run_id)) != 1:
                return None, []
            cur.execute(_ROWS, (micros,))
            rows = cur.fetchall()
            state, dead = None, []
            for row_id, msid, row_state, silent in rows:
                if row_id == node.id:
                    state = str(row_state)
                elif silent and row_state in ms.ALIVE and cur.execute(_MARK_DOWN, (row_id, micros)):
                    dead.append(int(msid))
            if state == ms.DOWN:
                # A peer marked us Down while we were merely slow.
                cur.execute(_REVIVE, (revive_as, node.id, node.run_id))
                state = revive_as
        return state, dead

    def _discard(self, exc: Exception) -> None:
        """Drop a connection in doubt; the next round checks out a fresh one."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if _code(exc) in CONNECTION_LOST or _code(exc) is None:
                conn.invalidate()
            else:
                self._conn = conn  # autocommit: nothing is left open
        except Exception:
            log.debug("discarding the heartbeat connection failed", exc_info=True)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("closing the heartbeat connection failed", exc_info=True)


def _code(exc: BaseException) -> int | None:
    """The MySQL error number, raised by the driver directly or wrapped by SQLAlchemy."""
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else mysql_code(exc)
