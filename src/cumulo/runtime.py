"""The per-process runtime: settings, database, secrets and node identity.

Built once per process (server worker, CLI command, test) and handed down
explicitly; nothing below reaches for globals.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cumulo import __version__
from cumulo.db.database import Database
from cumulo.db.models.system import SystemProperty
from cumulo.services.configuration import ConfigStore
from cumulo.services.generation import Generation
from cumulo.services.secrets import ClusterKeyError, SecretBox, read_key_file
from cumulo.services.ttlcache import TtlCache
from cumulo.settings import Settings

FINGERPRINT_PROPERTY = "cluster.key.fingerprint"
# Writes to these make the API key and role rule caches stale.
AUTH_TABLES = frozenset({"user", "account", "domain", "role", "role_permission", "configuration"})


@dataclass
class Runtime:
    settings: Settings
    db: Database
    secrets: SecretBox
    config: ConfigStore
    version: str = __version__
    # The management server row this process belongs to (set by the node agent).
    msid: int | None = None
    node_uuid: str | None = None
    node_name: str = ""
    # False while draining or fenced: async commands are refused with 503.
    accepting_jobs: bool = True
    job_wakeup: threading.Event = field(default_factory=threading.Event)
    # Notified whenever this process's runner finishes a job (queryAsyncJobResult waits on it).
    job_finished: threading.Condition = field(default_factory=threading.Condition)
    # How many requests may hold their answer for a young job at once: a waiting
    # request keeps a request thread, so most threads must stay free for others
    # (clients polling many jobs at once then simply get "pending" at once).
    job_waiters: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(2)
    )
    # Per-request facts cached for settings.auth_cache_seconds (see services.ttlcache):
    # API key -> (caller, secret), role id -> rules.
    api_keys: TtlCache[Any] = field(default_factory=lambda: TtlCache(0.0))
    role_rules: TtlCache[Any] = field(default_factory=lambda: TtlCache(0.0))
    # Bumped by a commit that writes AUTH_TABLES; shared by the node's processes.
    auth_generation: Generation = field(default_factory=Generation)

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        db = Database(
            settings.effective_database_url,
            pool_size=settings.database_pool_size,
            replicas=settings.database_replicas,
            failback_after=settings.database_failback_seconds,
            connect_timeout=settings.database_connect_timeout,
        )
        key = read_key_file(settings.effective_cluster_key_file)
        secrets = SecretBox(key)
        generation = Generation(settings.node_generation_file)
        ttl = settings.auth_cache_seconds
        rt = cls(
            settings=settings,
            db=db,
            secrets=secrets,
            config=ConfigStore(db, generation=generation),
            node_name=settings.node_name,
            api_keys=TtlCache(ttl, generation=generation),
            role_rules=TtlCache(ttl, generation=generation),
            auth_generation=generation,
        )
        db.on_commit(rt.auth_changed)
        rt.check_cluster_key()
        return rt

    def auth_changed(self, tables: frozenset[str]) -> None:
        """A commit of this process wrote ``tables``: cached facts of the node are stale.

        Runs before the request that made the change answers, so the next
        request on any process of this node sees it.
        """
        if tables & AUTH_TABLES:
            self.auth_generation.bump()
            self.api_keys.invalidate()
            self.role_rules.invalidate()

    def check_cluster_key(self) -> None:
        """Refuse to run with a key other than the one the database was set up with."""
        stored = self.db.run(
            lambda s: s.execute(
                select(SystemProperty.value).where(SystemProperty.name == FINGERPRINT_PROPERTY)
            ).scalar_one_or_none(),
            write=False,
        )
        if stored is not None and stored != self.secrets.fingerprint:
            raise ClusterKeyError(
                f"the cluster key in {self.settings.effective_cluster_key_file} "
                f"({self.secrets.fingerprint}) is not the key this database was set up with "
                f"({stored}); copy the key file from a working management node"
            )

    def wake_jobs(self) -> None:
        """Tell the job runner a job was queued (after its transaction committed).

        In an HTTP worker of ``serve --workers N`` the runner lives in the
        parent process: a datagram to its local port wakes it; if one is lost
        the runner's polling still finds the job.
        """
        self.job_wakeup.set()
        port = self.settings.job_wakeup_port
        if port:
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.sendto(b"job", ("127.0.0.1", port))
            except OSError:
                pass

    def close(self) -> None:
        self.db.dispose()
        self.auth_generation.close()
