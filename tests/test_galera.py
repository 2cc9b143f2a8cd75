"""The concurrency scenarios on a real 3-node MariaDB Galera cluster, in both layouts.

* multi-writer: three cumulo nodes, node i talking to Galera node i directly,
  every API call and service transaction sent to the next node in turn.
  Racing writes on different Galera nodes fail certification at COMMIT
  (1213) and ``Database.run`` must retry them.
* single-writer: the same three nodes through HAProxy's DB VIP, rendered by
  ``cumulo cluster render`` (one writer, the others ``backup``).

The scenarios are the ones the SQLite/MariaDB suite runs (imported, not
copied); the cluster is started once for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from cumulo.api.declaration import Command
from cumulo.db.database import Database
from cumulo.lab.topology import DB_NODES
from tests.support.galera import GaleraCluster, galera_cluster
from tests.support.nodes import running_nodes, spread
from tests.test_concurrency import (
    PATIENT,
    TAKEOVER,
    counted_command,  # noqa: F401  (fixture)
    fast_settings,
    host_takeover,
    jobs_run_once,
    same_name_creations,
)
from tests.test_limits import test_concurrent_consumers_never_exceed_the_limit as limit_race
from tests.test_networks import test_concurrent_implementations_get_distinct_vlans as vlan_race
from tests.test_nic_secondary_ips import (
    test_concurrent_allocations_never_share_an_address as secondary_ip_race,
)
from tests.test_public_ips import test_concurrent_associations_never_share_an_address as ip_race

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

LAYOUTS = ("multi-writer", "single-writer")


@pytest.fixture(scope="module")
def galera() -> Iterator[GaleraCluster]:
    with galera_cluster() as cluster:
        before = cluster.conflicts()
        yield cluster
        print(f"\ncertification conflicts during the module: {cluster.conflicts() - before}")


@pytest.fixture(params=LAYOUTS)
def layout(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _urls(galera: GaleraCluster, layout: str, database: str) -> list[str]:
    if layout == "multi-writer":
        return galera.node_urls(database)
    return [galera.vip_url(database)] * len(DB_NODES)


@pytest.fixture
def make_nodes(galera: GaleraCluster, layout: str, tmp_path: Path) -> Iterator[object]:
    """``make_nodes(timers)``: three cumulo nodes on a fresh database of the cluster."""
    databases: list[str] = []

    def make(timers: dict[str, float]):  # type: ignore[no-untyped-def]
        name = galera.create_database()
        databases.append(name)
        return running_nodes(fast_settings(tmp_path, timers), _urls(galera, layout, name))

    yield make
    for name in databases:
        galera.drop_database(name)


def _on_cluster(make_nodes, scenario, timers: dict[str, float] = PATIENT) -> None:  # type: ignore[no-untyped-def]
    with make_nodes(timers) as nodes:
        scenario(spread(nodes))


def test_resource_limit_is_never_exceeded(make_nodes) -> None:  # type: ignore[no-untyped-def]
    _on_cluster(make_nodes, limit_race)


def test_public_ips_are_never_shared(make_nodes) -> None:  # type: ignore[no-untyped-def]
    _on_cluster(make_nodes, ip_race)


@pytest.mark.parametrize("layout", ["multi-writer"], indirect=True)
def test_guest_vlans_are_never_shared(make_nodes) -> None:  # type: ignore[no-untyped-def]
    # The heaviest scenario (20 networks with routers): run where it can
    # conflict across nodes only; single-writer is covered by the others.
    _on_cluster(make_nodes, vlan_race)


@pytest.mark.parametrize("layout", ["multi-writer"], indirect=True)
def test_secondary_ips_are_never_shared(make_nodes) -> None:  # type: ignore[no-untyped-def]
    # Secondary IPs and primary NIC addresses claimed from three writers at once.
    _on_cluster(make_nodes, secondary_ip_race)


def test_same_name_domain_and_account_exactly_one_wins(make_nodes) -> None:  # type: ignore[no-untyped-def]
    _on_cluster(make_nodes, same_name_creations)


def test_each_job_runs_once(make_nodes, counted_command: Command) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with make_nodes(PATIENT) as nodes:
        jobs_run_once(nodes)


def test_hosts_of_a_silent_node_move_to_survivors(make_nodes) -> None:  # type: ignore[no-untyped-def]
    with make_nodes(TAKEOVER) as nodes:
        host_takeover(nodes)


def test_single_writer_layout_sends_every_session_to_one_node(galera: GaleraCluster) -> None:
    """What the single-writer runs relied on: the rendered HAProxy has one writer."""
    assert {galera.haproxy_writer() for _ in range(5)} == {DB_NODES[0]}


def test_certification_conflicts_are_retried(galera: GaleraCluster) -> None:
    """Increments of one row from all three nodes at once: every one lands."""
    name = galera.create_database()
    dbs = [Database(url) for url in galera.node_urls(name)]
    try:
        dbs[0].run(lambda s: s.execute(text("CREATE TABLE hits (id INT PRIMARY KEY, n INT)")))
        dbs[0].run(lambda s: s.execute(text("INSERT INTO hits VALUES (1, 0)")))
        before = galera.conflicts()

        def bump(db: Database) -> None:
            for _ in range(25):
                db.run(lambda s: s.execute(text("UPDATE hits SET n = n + 1 WHERE id = 1")))

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(bump, dbs * 2))
        conflicts = galera.conflicts() - before
        total = dbs[1].run(lambda s: s.execute(text("SELECT n FROM hits")).scalar_one())
        print(f"\n150 increments on 3 writers: {conflicts} certification conflicts retried")
        assert total == 150
        assert conflicts > 0  # the race really happened on different nodes
    finally:
        for db in dbs:
            db.dispose()
        galera.drop_database(name)
