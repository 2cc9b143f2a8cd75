"""A tiny per-process cache whose entries live a fixed, short time.

For facts read on every request that change rarely (API key owners, role
rules). The TTL is the bound on staleness across nodes: a change made
through any node is seen everywhere within that time, without messages
between nodes. Keep it at a second or two.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory; everything is reloaded cheaply
            self._entries[key] = (time.monotonic() + self.ttl, value)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            value = self.put(key, load())
        return value

    def invalidate(self, key: Hashable | None = None) -> None:
        """Forget one entry, or everything (this process only)."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)
