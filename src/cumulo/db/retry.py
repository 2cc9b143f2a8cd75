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
SAVEPOINT_MISSING = 1305

ROLLED_BACK = frozenset(
    {DEADLOCK, LOCK_WAIT_TIMEOUT, UNKNOWN_COMMAND, WSREP_NOT_READY, CANT_CONNECT}
)
CONNECTION_LOST = frozenset({SERVER_GONE, LOST_CONNECTION})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10
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


def _rolled_back_first(exc: BaseException) -> bool:
    """A deadlock inside a SAVEPOINT rolls the whole transaction back, so the
    ROLLBACK TO SAVEPOINT that follows fails (1305) and hides the deadlock."""
    seen = exc.__context__
    while seen is not None:
        if isinstance(seen, DBAPIError) and mysql_code(seen) in ROLLED_BACK:
            return True
        seen = seen.__context__
    return False


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    code = mysql_code(exc)
    if code == SAVEPOINT_MISSING and _rolled_back_first(exc):
        return True
    if code in ROLLED_BACK:
        return True
    if code in CONNECTION_LOST or exc.connection_invalidated:
        return idempotent
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text
