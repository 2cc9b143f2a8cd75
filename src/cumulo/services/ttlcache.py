"""A tiny per-process cache whose entries live a fixed, short time.

For facts read on every request that change rarely (API key owners, role
rules). The TTL is the bound on staleness across nodes: a change made
through any node is seen everywhere within that time, without messages
between nodes. Keep it at a second or two.

Within a node, a ``Generation`` stamp (shared by the node's processes) ends
every entry at once: an entry is only used while the stamp still has the
value it had *before* the entry was loaded, so a load that raced with a
change is not trusted either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cumulo.services.generation import Generation

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self, ttl: float, max_entries: int = 10_000, generation: Generation | None = None
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.generation = generation if generation is not None else Generation()
        self._entries: dict[Hashable, tuple[float, int, V]] = {}
        self._lock = threading.Lock()

    def stamp(self) -> int:
        """Read before loading a value; hand it to ``put``."""
        return self.generation.current()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic() or entry[1] != self.generation.current():
            return None
        return entry[2]

    def put(self, key: Hashable, value: V, stamp: int | None = None) -> V:
        if stamp is None:
            stamp = self.stamp()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory; everything is reloaded cheaply
            self._entries[key] = (time.monotonic() + self.ttl, stamp, value)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            stamp = self.stamp()
            value = self.put(key, load(), stamp)
        return value

    def invalidate(self, key: Hashable | None = None) -> None:
        """Forget one entry, or everything (this process only; see ``Generation.bump``)."""
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)
