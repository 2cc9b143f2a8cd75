"""Which database errors mean "run the transaction again".

On Galera a write can lose certification (1213 at COMMIT) or meet a node that
is not yet primary (1047); on SQLite a writer can find the file locked. These
are retried with jitter. A connection lost during COMMIT (2006/2013) leaves the
outcome unknown: only transactions declared idempotent are retried then.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

DEADLOCK = 1213
LOCK_WAIT_TIMEOUT = 1205
UNKNOWN_COMMAND = 1047  # Galera node not in the primary component / not synced
WSREP_NOT_READY = 1180  # "Got error 6 during COMMIT" on a desynced node
SERVER_GONE = 2006
LOST_CONNECTION = 2013
CANT_CONNECT = 2003
DUPLICATE_KEY = 1062
# A deadlock or Galera brute-force abort inside a SAVEPOINT block rolls the
# whole transaction back; SQLAlchemy's ROLLBACK TO SAVEPOINT then fails with
# this instead of the 1213 that caused it.
SAVEPOINT_GONE = 1305
# A duplicate key met by a write means a concurrent transaction committed the
# same unique key first (two racing creates that both passed the "name
# taken?" check). Run again: the handler's own check then sees the winner and
# answers with its CloudStack error instead of a 530. Bounded, because a
# duplicate that is no race would fail the same way every time.
DUPLICATE_RETRIES = 2

ROLLED_BACK = frozenset(
    {DEADLOCK, LOCK_WAIT_TIMEOUT, UNKNOWN_COMMAND, WSREP_NOT_READY, CANT_CONNECT, SAVEPOINT_GONE}
)
CONNECTION_LOST = frozenset({SERVER_GONE, LOST_CONNECTION})


@dataclass(frozen=True)
class RetryPolicy:
    # 20, not 10: racing allocations on three Galera writers all bump the same
    # counter rows (the domain chain up to ROOT), and 10 attempts were seen
    # to run out (tests/test_galera.py, VLAN race, multi-writer).
    attempts: int = 20
    base_delay: float = 0.02
    max_delay: float = 1.0

    def delay(self, attempt: int) -> float:
        """Full jitter: a random wait up to an exponentially growing cap."""
        cap = min(self.max_delay, self.base_delay * (2**attempt))
        return random.uniform(0, cap)

    def sleep(self, attempt: int) -> None:
        time.sleep(self.delay(attempt))


def mysql_code(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def is_duplicate_key(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and mysql_code(exc) == DUPLICATE_KEY


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """``idempotent``: also when the outcome is unknown (connection lost in COMMIT)."""
    if not isinstance(exc, DBAPIError):
        # SQLAlchemy's own ROLLBACK TO SAVEPOINT raises the driver's error unwrapped.
        args = getattr(exc, "args", ())
        return type(exc).__module__.startswith("pymysql") and args[:1] == (SAVEPOINT_GONE,)
    code = mysql_code(exc)
    if code in ROLLED_BACK:
        return True
    if code in CONNECTION_LOST or exc.connection_invalidated:
        return idempotent
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text
