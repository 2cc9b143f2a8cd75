"""An in-process cloud for tests: a fresh database, a running node, a signed admin client."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from cumulo.cli.context import deploy_schema
from cumulo.cluster.node import NodeAgent
from cumulo.http.app import create_app
from cumulo.runtime import Runtime
from cumulo.services.bootstrap import AdminCredentials
from cumulo.settings import Settings
from tests.support.client import ApiClient


@dataclass
class Cloud:
    settings: Settings
    rt: Runtime
    agent: NodeAgent
    http: httpx.Client
    admin: ApiClient
    creds: AdminCredentials

    def client(self, apikey: str, secretkey: str) -> ApiClient:
        return ApiClient(self.http, apikey, secretkey)


def test_settings(data_dir: Path, database_url: str = "", **extra: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        node_name="test-node",
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        job_poll_interval=0.05,
        # The tempo tests were written for (hosts connected and system VMs
        # started within about a second); production defaults are slower.
        **{"host_monitor_interval": 1.0, "system_vm_monitor_interval": 1.0, **extra},
    )  # type: ignore[arg-type]


_template: tuple[Path, AdminCredentials] | None = None


def _deploy_from_template(settings: Settings) -> AdminCredentials:
    """Copy a once-per-process deployed SQLite database instead of migrating again.

    Running every migration per test dominated the suite's time; the copy is
    byte-for-byte what `cumulo db deploy` produced (schema, bootstrap rows and
    the matching cluster key).
    """
    global _template
    if _template is None:
        where = Path(tempfile.mkdtemp(prefix="cumulo-template-"))
        _rev, creds = deploy_schema(test_settings(where))
        assert creds is not None
        _template = (where, creds)
    where, creds = _template
    for name in ("cumulo.db", "cluster.key"):
        shutil.copy2(where / name, settings.data_dir / name)
    return creds


@contextmanager
def running_cloud(settings: Settings) -> Iterator[Cloud]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url:
        _rev, maybe = deploy_schema(settings)
        assert maybe is not None, "expected an empty database"
        creds = maybe
    else:
        creds = _deploy_from_template(settings)
    rt = Runtime.open(settings)
    agent = NodeAgent(rt)
    agent.start()
    http = TestClient(create_app(rt), base_url="http://testserver")
    try:
        yield Cloud(
            settings, rt, agent, http, ApiClient(http, creds.apikey, creds.secretkey), creds
        )
    finally:
        http.close()
        agent.stop()
        rt.close()
