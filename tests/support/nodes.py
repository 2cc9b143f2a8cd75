"""Several management nodes in one test process, sharing one database.

Each node is a full ``Cloud`` (its own Runtime, engine and connection pool,
node agent with heartbeat, job runner and host monitor, ASGI app), so the
nodes race each other exactly as separate processes would on the database.
Each node may reach the database through its own URL: on Galera that is
"node i writes to Galera node i".

``spread(nodes)`` is a ``Cloud`` as the single-node tests know it whose API
calls and ``rt.db.run`` transactions go round-robin to the nodes, so the
existing concurrency scenarios run unchanged across a cluster.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

from starlette.testclient import TestClient

from cumulo.cluster.node import NodeAgent
from cumulo.http.app import create_app
from cumulo.runtime import Runtime
from cumulo.settings import Settings
from tests.support.client import ApiClient
from tests.support.cloud import Cloud, running_cloud

T = TypeVar("T")


@contextmanager
def extra_node(first: Cloud, name: str, database_url: str | None = None) -> Iterator[Cloud]:
    """Another node of ``first``'s cluster (same data dir: same cluster key)."""
    update: dict[str, Any] = {"node_name": name}
    if database_url is not None:
        update["database_url"] = database_url
    settings = first.settings.model_copy(update=update)
    rt = Runtime.open(settings)
    agent = NodeAgent(rt)
    agent.start()
    http = TestClient(create_app(rt), base_url="http://testserver")
    try:
        admin = ApiClient(http, first.creds.apikey, first.creds.secretkey)
        yield Cloud(settings, rt, agent, http, admin, first.creds)
    finally:
        http.close()
        agent.stop()
        rt.close()


@contextmanager
def running_nodes(settings: Settings, urls: Sequence[str] = ("",)) -> Iterator[list[Cloud]]:
    """One node per URL (the first deploys the schema); ``""`` is the default database."""
    with ExitStack() as stack:
        first = stack.enter_context(
            running_cloud(settings.model_copy(update={"database_url": urls[0]}))
        )
        nodes = [first]
        for i, url in enumerate(urls[1:], start=2):
            nodes.append(stack.enter_context(extra_node(first, f"node-{i}", url or None)))
        yield nodes


class _RoundRobin:
    def __init__(self, items: Sequence[Any]) -> None:
        self._cycle = itertools.cycle(items)
        self._lock = threading.Lock()

    def next(self) -> Any:
        with self._lock:
            return next(self._cycle)


class SpreadClient(ApiClient):
    """An ApiClient whose every request goes to the next node."""

    def __init__(self, clients: Sequence[ApiClient]) -> None:
        super().__init__(clients[0].http, clients[0].apikey, clients[0].secretkey)
        self._clients = _RoundRobin(clients)

    def raw(self, command: str, method: str = "GET", **params: Any) -> Any:
        return self._clients.next().raw(command, method, **params)


class SpreadDatabase:
    """``run`` on the next node's Database; anything else from the first node's."""

    def __init__(self, nodes: Sequence[Cloud]) -> None:
        self._first = nodes[0].rt.db
        self._dbs = _RoundRobin([n.rt.db for n in nodes])

    def run(self, work: Callable[[Any], T], **kw: Any) -> T:
        return self._dbs.next().run(work, **kw)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._first, name)


class SpreadRuntime:
    def __init__(self, nodes: Sequence[Cloud]) -> None:
        self._first = nodes[0].rt
        self.db = SpreadDatabase(nodes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._first, name)


class SpreadCloud(Cloud):
    nodes: list[Cloud]

    def client(self, apikey: str, secretkey: str) -> ApiClient:
        return SpreadClient([ApiClient(n.http, apikey, secretkey) for n in self.nodes])


def spread(nodes: Sequence[Cloud]) -> Cloud:
    """The cluster seen as one ``Cloud``: each call lands on the next node."""
    first = nodes[0]
    cloud = SpreadCloud(
        first.settings,
        SpreadRuntime(nodes),  # type: ignore[arg-type]
        first.agent,
        first.http,
        SpreadClient([n.admin for n in nodes]),
        first.creds,
    )
    cloud.nodes = list(nodes)
    return cloud
