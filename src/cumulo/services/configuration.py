"""Reading global settings: stored value, else the catalogue's default.

Values are cached per node for a couple of seconds, so a change made through
any node reaches every node quickly without a query per request.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.database import Database
from cumulo.db.models.config import ConfigValue
from cumulo.services.config_catalog import CATALOG


class ConfigStore:
    def __init__(self, db: Database, ttl: float = 2.0) -> None:
        self._db = db
        self._ttl = ttl
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._values: dict[tuple[str, str, int], str | None] = {}

    def _snapshot(self) -> dict[tuple[str, str, int], str | None]:
        now = time.monotonic()
        if now - self._loaded_at > self._ttl:
            with self._lock:
                if now - self._loaded_at > self._ttl:
                    self._values = self._db.run(_load_all, write=False)
                    self._loaded_at = time.monotonic()
        return self._values

    def invalidate(self) -> None:
        self._loaded_at = 0.0

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

    def get_int(self, name: str, scope: str = "Global", scope_id: int = 0) -> int:
        return int(float(self.get(name, scope, scope_id)))

    def get_bool(self, name: str, scope: str = "Global", scope_id: int = 0) -> bool:
        return self.get(name, scope, scope_id).strip().lower() == "true"


def _load_all(session: Session) -> dict[tuple[str, str, int], str | None]:
    rows = session.execute(
        select(ConfigValue.name, ConfigValue.scope, ConfigValue.scope_id, ConfigValue.value)
    )
    return {(n, s, i): v for n, s, i, v in rows}
