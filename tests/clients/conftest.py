"""A real `cumulo serve` process for the real CloudStack clients to talk to."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class LiveServer:
    url: str  # .../client/api
    apikey: str
    secretkey: str
    password: str
    env: dict[str, str]

    def client_env(self) -> dict[str, str]:
        """The variables the `cs` CLI and Ansible's cloudstack modules read."""
        env = dict(os.environ)
        env.update(
            {
                "CLOUDSTACK_ENDPOINT": self.url,
                "CLOUDSTACK_KEY": self.apikey,
                "CLOUDSTACK_SECRET": self.secretkey,
                "CLOUDSTACK_TIMEOUT": "60",
            }
        )
        return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("live")
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "CUMULO_DATA_DIR": str(data),
            "CUMULO_PASSWORD_HASH_MEMORY_KIB": "1024",
            "CUMULO_PASSWORD_HASH_TIME_COST": "1",
            "CUMULO_NODE_NAME": "clients-test",
        }
    )
    env.pop("CUMULO_CONFIG", None)
    deploy = subprocess.run(
        [str(BIN / "cumulo"), "db", "deploy"], env=env, check=True, capture_output=True, text=True
    )
    password = next(
        line.split(":", 1)[1].strip()
        for line in deploy.stdout.splitlines()
        if line.strip().startswith("password:")
    )
    keys = json.loads(
        subprocess.run(
            [str(BIN / "cumulo"), "admin", "keys", "--user", "admin", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    log = open(data / "serve.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(BIN / "cumulo"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError((data / "serve.log").read_text())
    try:
        yield LiveServer(f"{base}/client/api", keys["apikey"], keys["secretkey"], password, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
