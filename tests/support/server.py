"""Real ``cumulo serve`` processes for tests: start, stop, SIGTERM, kill -9.

Several nodes may share one data directory (one SQLite file and cluster key),
which makes them a cluster. Short heartbeat and lease timers keep failover
tests fast; pass other ``CUMULO_*`` settings as keyword arguments.

    with live_server(tmp_path / "data", "node-a") as a:
        admin = a.admin()
        admin.call("listManagementServers")
        a.kill()                  # kill -9
        a.start()                 # same node name, new run id
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.client import ApiClient

FAST_TIMERS = {
    "heartbeat_interval": 0.3,
    "heartbeat_threshold": 1.5,
    "job_lease_seconds": 5,
    "job_poll_interval": 0.2,
    "shutdown_grace_seconds": 10,
    # No load balancer in front: no need to keep the port open after draining.
    "drain_listen_seconds": 0.3,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, name: str, port: int, settings: dict[str, Any]) -> dict[str, str]:
    """The environment a test's `cumulo` process runs with (never reads /etc/cumulo)."""
    empty_config = data_dir / "empty.toml"
    empty_config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUMULO_")}
    env.update(
        {
            "CUMULO_CONFIG": str(empty_config),  # never read /etc/cumulo
            "CUMULO_DATA_DIR": str(data_dir),
            "CUMULO_NODE_NAME": name,
            "CUMULO_HOST": "127.0.0.1",
            "CUMULO_PORT": str(port),
            "CUMULO_PASSWORD_HASH_MEMORY_KIB": "1024",
            "CUMULO_PASSWORD_HASH_TIME_COST": "1",
            "CUMULO_LOG_LEVEL": "info",
        }
    )
    env.update({f"CUMULO_{k.upper()}": str(v) for k, v in {**FAST_TIMERS, **settings}.items()})
    return env


def cumulo(data_dir: Path, *args: str, **settings: Any) -> str:
    """Run a ``cumulo`` CLI command against the data directory; return its stdout."""
    data_dir.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, "-m", "cumulo.cli.main", *args],
        env=server_env(data_dir, "cli", 0, settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout


class LiveServer:
    def __init__(
        self, data_dir: Path, name: str, *, args: tuple[str, ...] = (), **settings: Any
    ) -> None:
        self.args = args  # extra `cumulo serve` options, e.g. ("--demo",)
        self.data_dir = data_dir
        self.name = name
        self.settings = settings
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"{name}.log"
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self._keys: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True) -> LiveServer:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cumulo.cli.main", "serve", *self.args],
                env=server_env(self.data_dir, self.name, self.port, self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_ready()
        return self

    def ready(self) -> bool:
        try:
            return self.http.get("/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            if self.ready():
                return
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no drain, no clean leave; the row stays Up until peers notice."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM: the node drains (running jobs finish) and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def keys(self) -> tuple[str, str]:
        if self._keys is None:
            out = cumulo(self.data_dir, "admin", "keys", "--user", "admin", "--json")
            data = json.loads(out)
            self._keys = (data["apikey"], data["secretkey"])
        return self._keys

    def admin(self) -> ApiClient:
        apikey, secretkey = self.keys()
        return ApiClient(self.http, apikey, secretkey)

    def close(self) -> None:
        self.stop()
        self.http.close()


@contextmanager
def live_server(
    data_dir: Path, name: str = "node-1", *, args: tuple[str, ...] = (), **settings: Any
) -> Iterator[LiveServer]:
    """A started node; stopped (SIGTERM, then kill) when the block ends."""
    server = LiveServer(data_dir, name, args=args, **settings)
    try:
        server.start()
        yield server
    finally:
        server.close()
