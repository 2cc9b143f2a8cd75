"""Reading global settings: stored value, else the catalogue's default.

Values are cached per node for a couple of seconds, so a change made through
any node reaches every node quickly without a query per request; the node that
made the change drops its cache as soon as the change is committed.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import event, select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from cumulo.db.database import Database
from cumulo.db.models.config import ConfigValue
from cumulo.services.config_catalog import CATALOG
from cumulo.services.generation import Generation

log = logging.getLogger(__name__)


class ConfigStore:
    def __init__(
        self, db: Database, ttl: float = 2.0, generation: Generation | None = None
    ) -> None:
        self._db = db
        self._ttl = ttl
        # The node's stamp (see services.generation): a change committed by
        # another process of this node ends the snapshot too.
        self._node = generation if generation is not None else Generation()
        self._node_seen = self._node.current()
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        # Bumped by invalidate(): a load that raced with a commit is not trusted.
        self._generation = 0
        self._values: dict[tuple[str, str, int], str | None] = {}

    @property
    def ttl(self) -> float:
        return self._ttl

    def _stale(self) -> bool:
        return (
            time.monotonic() - self._loaded_at > self._ttl
            or self._node.current() != self._node_seen
        )

    def _snapshot(self) -> dict[tuple[str, str, int], str | None]:
        if not self._stale():
            return self._values
        # Callers are usually inside a transaction, so the reload needs a second
        # pooled connection. With a snapshot at hand nobody waits for another
        # thread's reload (each waiter would hold its connection and could starve
        # the reload of one), and a reload that finds no free connection keeps
        # the snapshot a little longer.
        loaded = bool(self._loaded_at)
        if not self._lock.acquire(blocking=not loaded):
            return self._values
        try:
            if self._stale():
                self._reload()
        except PoolTimeout:
            if not loaded:
                raise
            log.warning("settings not reloaded (no free database connection); kept for now")
        finally:
            self._lock.release()
        return self._values

    def _reload(self) -> None:
        generation, node = self._generation, self._node.current()
        self._values = self._db.run(_load_all, write=False)
        if generation == self._generation:
            self._node_seen = node
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._generation += 1
        self._loaded_at = 0.0

    def invalidate_after_commit(self, session: Session) -> None:
        """Drop the cache once ``session`` commits, so this node sees its own change at once."""
        event.listen(session, "after_commit", lambda _s: self.invalidate(), once=True)

    def get(self, name: str, scope: str = "Global", scope_id: int = 0) -> str:
        values = self._snapshot()
        if scope != "Global":
            scoped = values.get((name, scope, scope_id))
            if scoped is not None:
                return scoped
        stored = values.get((name, "Global", 0))
        if stored is not None:
            return stored
        setting = CATALOG.get(name)
        if setting is None:
            raise KeyError(f"unknown setting {name}")
        return setting.default

    def scoped(self, name: str, scope: str) -> dict[int, str]:
        """Every value of ``name`` set for some ``scope`` (e.g. each Cluster's override)."""
        return {
            sid: v
            for (n, sc, sid), v in self._snapshot().items()
            if n == name and sc == scope and v is not None
        }

    def get_int(self, name: str, scope: str = "Global", scope_id: int = 0) -> int:
        return int(float(self.get(name, scope, scope_id)))

    def get_bool(self, name: str, scope: str = "Global", scope_id: int = 0) -> bool:
        return self.get(name, scope, scope_id).strip().lower() == "true"


def _load_all(session: Session) -> dict[tuple[str, str, int], str | None]:
    rows = session.execute(
        select(ConfigValue.name, ConfigValue.scope, ConfigValue.scope_id, ConfigValue.value)
    )
    return {(n, s, i): v for n, s, i, v in rows}
