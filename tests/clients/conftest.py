"""A real `cumulo serve` process for the real CloudStack clients to talk to."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.server import live_server


@dataclass(frozen=True)
class LiveServer:
    url: str  # .../client/api
    apikey: str
    secretkey: str

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


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("live"), "clients-test") as server:
        apikey, secretkey = server.keys()
        yield LiveServer(f"{server.url}/client/api", apikey, secretkey)
