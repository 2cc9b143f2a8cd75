"""Per-account API rate limiting (api.throttling.*), per node like CloudStack's."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Fixed windows of ``interval`` seconds, at most ``limit`` calls in each."""

    def __init__(self, max_accounts: int = 50_000) -> None:
        self._lock = threading.Lock()
        self._windows: dict[int, tuple[float, int]] = {}
        self._max_accounts = max_accounts

    def allow(self, account_id: int, limit: int, interval: float) -> bool:
        now = time.monotonic()
        with self._lock:
            start, count = self._windows.get(account_id, (now, 0))
            if now - start >= interval:
                start, count = now, 0
            if count >= limit:
                return False
            if len(self._windows) >= self._max_accounts and account_id not in self._windows:
                self._windows.clear()  # bounded memory; a fresh window is the lenient choice
            self._windows[account_id] = (start, count + 1)
            return True

    def retry_after_ms(self, account_id: int, interval: float) -> int:
        """Milliseconds until the account's current window ends (CloudStack's message)."""
        with self._lock:
            start, _count = self._windows.get(account_id, (time.monotonic(), 0))
        return max(0, int((start + interval - time.monotonic()) * 1000))
