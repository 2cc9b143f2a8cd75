"""Races between requests and between management nodes, on any database.

The scenarios are plain functions so that tests/test_galera.py runs the very
same ones on a 3-node Galera cluster; here they run on SQLite (and MariaDB
where marked), with several nodes sharing one database file.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cumulo.api.declaration import REGISTRY, Command, Kind, command
from cumulo.api.params import STRING, Param
from cumulo.api.results import Enqueue, SuccessResult
from cumulo.jobs.context import JobRun
from tests.infra_helpers import add_host, simple_zone, wait_hosts_up
from tests.support import cloud as support
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.support.jobs import job_row, wait_for
from tests.support.nodes import running_nodes, spread

# A silent node is Down after 4 s (the default) and its hosts move soon
# after; shorter thresholds declare live nodes Down on a busy machine.
TAKEOVER = {"heartbeat_interval": 0.5, "heartbeat_threshold": 4.0}
# No node is to be declared Down while jobs race, even on a loaded machine: an
# adopted job would run twice for a reason that is not the claim.
PATIENT = {"heartbeat_interval": 0.5, "heartbeat_threshold": 20, "job_lease_seconds": 30}


def fast_settings(tmp_path: Path, timers: dict[str, float] = TAKEOVER) -> Any:
    return support.test_settings(tmp_path / "data", **timers)


def _outcomes(fn: Any, n: int) -> tuple[list[dict[str, Any]], list[ApiError]]:
    """Run ``fn(i)`` for i < n at once; split into answers and API errors."""

    def attempt(i: int) -> dict[str, Any] | ApiError:
        try:
            return fn(i)  # type: ignore[no-any-return]
        except ApiError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(attempt, range(n)))
    won = [r for r in results if not isinstance(r, ApiError)]
    return won, [r for r in results if isinstance(r, ApiError)]


def same_name_creations(cloud: Cloud, racers: int = 6) -> None:
    """Racing createDomain / createAccount with one name: one wins, the rest get 431."""
    api = cloud.admin
    won, lost = _outcomes(lambda _i: api.call("createDomain", name="contested"), racers)
    assert len(won) == 1, (won, lost)
    assert [e.status for e in lost] == [431] * (racers - 1)
    assert all("Domain with name contested already exists" in e.body["errortext"] for e in lost)
    listed = api.call("listDomains", name="contested", listall=True)["domain"]
    assert [d["id"] for d in listed] == [won[0]["domain"]["id"]]

    def create_account(i: int) -> dict[str, Any]:
        return api.call(
            "createAccount",
            account="contested",
            username=f"racer{i}",  # distinct users: only the account name collides
            password="pw",
            email=f"r{i}@example.org",
            firstname="R",
            lastname="Acer",
            accounttype=0,
        )

    won, lost = _outcomes(create_account, racers)
    assert len(won) == 1, (won, lost)
    assert [e.status for e in lost] == [431] * (racers - 1)
    assert all("The account contested already exists" in e.body["errortext"] for e in lost)
    accounts = api.call("listAccounts", name="contested", listall=True)["account"]
    assert len(accounts) == 1 and len(accounts[0]["user"]) == 1
    winner = won[0]["account"]["user"][0]["username"]
    users = api.call("listUsers", listall=True, pagesize=500, page=1)["user"]
    # The losers' transactions rolled back whole: no user of theirs is left.
    assert [u["username"] for u in users if u["username"].startswith("racer")] == [winner]


# Executions per job uuid, counted in-process: every node of a test runs here.
RUNS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def counted_command() -> Iterator[Command]:
    def handler(call: Any, args: Any) -> Enqueue:
        return Enqueue({"tag": args.tag})

    cmd = command("countedRunTest", params=[Param("tag", STRING, required=True)], kind=Kind.ASYNC)(
        handler
    )

    @cmd.execute
    def run(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
        RUNS[job.job_uuid] += 1
        # Long enough for a second claimer to try, and to keep one node's job threads
        # busy: with 20 ms jobs one runner that claims again at once took all 60.
        time.sleep(0.3)
        return SuccessResult()

    yield cmd
    REGISTRY.pop(cmd.name.lower(), None)


def jobs_run_once(nodes: list[Cloud], jobs: int = 60) -> None:
    """Jobs queued on every node, claimed by every node's runner: each runs once."""
    api = spread(nodes).admin
    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(lambda i: api.call("countedRunTest", tag=str(i))["jobid"], range(jobs)))
    done = [api.wait_job(j, timeout=60) for j in ids]
    assert all(j["jobstatus"] == 1 for j in done), [j for j in done if j["jobstatus"] != 1]
    assert [RUNS[j] for j in ids] == [1] * jobs
    assert {job_row(nodes[0].rt.db, j).attempts for j in ids} == {1}
    runners = Counter(j["managementservername"] for j in done)
    print(f"\njobs per node: {dict(runners)}")
    assert len(runners) >= 2, runners  # the claiming really was contested


def _owners(api: ApiClient) -> dict[str, str]:
    hosts = api.call("listHosts", type="Routing")["host"]
    return {h["name"]: h.get("managementservername", "") for h in hosts if h["state"] == "Up"}


def host_takeover(nodes: list[Cloud], hosts: int = 6) -> None:
    """The node owning hosts dies silently: survivors own them, Up, within seconds."""
    api = nodes[0].admin
    zone, pod, cluster = simple_zone(api)
    for h in range(hosts):
        add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c0/h{h}")
    wait_hosts_up(api, hosts, timeout=30)
    names = {n.settings.node_name for n in nodes}
    owners = _owners(api)
    assert set(owners.values()) <= names
    victim = next(n for n in nodes if n.settings.node_name in owners.values())
    gone = victim.settings.node_name
    # Dies without a goodbye: its threads stop, its row and leases stay as they were.
    victim.agent._stop.set()
    victim.agent.jobs.stop(wait=False)
    survivor = next(n for n in nodes if n is not victim).admin
    started = time.monotonic()
    after = wait_for(
        lambda: (o := _owners(survivor)) and len(o) == hosts and gone not in o.values() and o,
        timeout=30,
        interval=0.1,
    )
    took = time.monotonic() - started
    print(f"\nhosts of {gone} taken over in {took:.2f}s: {after}")
    assert set(after.values()) <= names - {gone}
    assert took < 20


@pytest.mark.backends("sqlite", "mariadb")
def test_same_name_domains_and_accounts_exactly_one_wins(cloud: Cloud) -> None:
    same_name_creations(cloud)


def test_each_job_runs_once_across_three_nodes(tmp_path: Path, counted_command: Command) -> None:
    with running_nodes(fast_settings(tmp_path, PATIENT), ["", "", ""]) as nodes:
        jobs_run_once(nodes)


def test_hosts_of_a_silent_node_move_to_survivors(tmp_path: Path) -> None:
    with running_nodes(fast_settings(tmp_path), ["", "", ""]) as nodes:
        host_takeover(nodes)
