"""The node's typed settings: a TOML file plus CUMULO_* environment overrides.

Global settings that CloudStack keeps in the database (``listConfigurations``)
are not here; these are the few things a node needs before it can reach the
database, and per-node tuning.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("/etc/cumulo/cumulo.toml")


def default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/cumulo")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cumulo"


def config_file() -> Path | None:
    """The TOML file in force: $CUMULO_CONFIG, else /etc/cumulo/cumulo.toml if present."""
    explicit = os.environ.get("CUMULO_CONFIG")
    if explicit:
        return Path(explicit)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None


class Settings(BaseSettings):
    """Everything a management node reads at start-up."""

    model_config = SettingsConfigDict(env_prefix="CUMULO_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    # Empty means the embedded default: a SQLite file in data_dir.
    database_url: str = ""
    # Extra database endpoints tried in order when the first is unreachable
    # (CloudStack's db.cloud.replicas); the first entry is preferred.
    database_replicas: list[str] = Field(default_factory=list)
    database_pool_size: int = 10
    # Seconds the preferred endpoint must stay healthy before the node moves
    # back to it from a replica (CloudStack waits 3,600 s or 5,000 queries).
    database_failback_seconds: float = 30.0
    # Connect timeout per endpoint: how long a dead server can delay a switch.
    database_connect_timeout: float = 2.0

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    # Threads per worker process running API requests (the database calls block).
    request_threads: int = 8
    # A request not finished this long after it arrived (queued for a thread,
    # waiting for a connection or a lock) is rolled back and answered 503
    # instead: below the load balancer's `timeout server` (60 s), so nothing is
    # ever committed for a client that was already told 504.
    request_deadline_seconds: float = 40.0
    node_name: str = Field(default_factory=socket.gethostname)
    # Address other nodes and operators see for this node (listManagementServers).
    service_ip: str = "127.0.0.1"
    # Where clients POST browser uploads (getUploadParamsFor*'s postURL, then
    # /upload/<id> below it): the load balancer's public URL in a cluster.
    # Empty = http://<service_ip>:<port> of the node that answered.
    upload_base_url: str = ""

    cluster_key_file: Path | None = None
    # Argon2id cost; lower it only for tests and throw-away demos.
    password_hash_memory_kib: int = 65536
    password_hash_time_cost: int = 3
    dev: bool = False
    # Serve GET /simulator/vms (what the simulated hosts run: NICs, security group
    # rules) for tests and demos; off in production.
    simulator_state_view: bool = False
    # How long a node may keep using an API key's owner and a role's rules
    # before reading them again: disabling a user or changing a rule takes
    # effect on every node within this time.
    auth_cache_seconds: float = 1.0
    # Set by `cumulo serve --workers N` for all its processes: the file holding
    # the node's auth generation stamp (services/generation.py), so a change
    # made through one process ends the cached facts of all of them at once.
    node_generation_file: Path | None = None
    log_level: str = "info"

    # Cluster membership timers (seconds).
    # A peer silent for the threshold is declared Down (so within
    # threshold + interval, <= 5 s by default) and its jobs are adopted; a node
    # that cannot renew its own heartbeat for the threshold fences itself.
    heartbeat_interval: float = 1.0
    heartbeat_threshold: float = 4.0
    # Background work on timers of its own, not on every heartbeat: pinging
    # the hosts this node owns (a dead peer's hosts are taken over as soon as
    # it is declared Down, whatever this says), and the secondary-storage /
    # system VM monitor (template copies, console proxy and SSVM upkeep).
    host_monitor_interval: float = 3.0
    system_vm_monitor_interval: float = 10.0
    # How often the node looks for due periodic tasks (each has its own interval).
    periodic_check_interval: float = 1.0
    # Async job runtime.
    job_threads: int = 8
    job_lease_seconds: float = 10.0
    job_poll_interval: float = 0.5
    # queryAsyncJobResult for a job submitted moments ago holds its answer up
    # to this long while the job runs: clients poll at once after submitting
    # and, seeing it pending, sleep seconds (Ansible: 2 s) for a job that
    # takes milliseconds. 0 answers at once.
    job_result_wait_seconds: float = 1.0
    # A job whose runs were cut short this many times is failed, not retried.
    job_max_attempts: int = 3
    # How often one node (under a task lease) purges and cancels old jobs.
    job_housekeeping_interval: float = 60.0
    # On SIGTERM / triggerShutdown: how long running jobs may take to finish
    # before their leases are handed to other nodes.
    shutdown_grace_seconds: float = 30.0
    # After SIGTERM the node keeps listening (and serving API requests, while
    # /readyz says 503) at least this long, so the load balancer's health
    # check takes it out of rotation before it closes its port. `cluster
    # render` sets it from HAProxy's check timers (a few check intervals).
    drain_listen_seconds: float = 3.0
    # Set by `cumulo serve --workers N` for its HTTP workers: the local UDP
    # port where the parent's job runner listens for "new job" datagrams.
    job_wakeup_port: int = 0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cumulo.db'}"

    @property
    def effective_cluster_key_file(self) -> Path:
        return self.cluster_key_file or self.data_dir / "cluster.key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
