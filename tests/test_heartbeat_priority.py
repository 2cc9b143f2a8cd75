"""Heartbeats never queue behind load: own connection, no job-row locks, bounded waits.

On MariaDB (where the pool and InnoDB locks exist): every pooled connection of
the node is held, and a dead peer's running job row is locked by a long
transaction (a survivor's job, say). The node must keep renewing its own
heartbeat, declare the silent peer Down within the bound, and hand the peer's
job over once the lock is gone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cumulo.cluster import membership
from cumulo.db.database import db_now
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.job import AsyncJob, JobStatus
from tests.support.cloud import Cloud, running_cloud
from tests.support.cloud import test_settings as settings_for

INTERVAL, THRESHOLD = 0.2, 1.5
# Down within the threshold after the peer's last heartbeat, plus one round and slack.
BOUND = THRESHOLD + INTERVAL + 1.0


@pytest.fixture
def fast_mariadb_cloud(tmp_path: Path, mariadb_url: str) -> Iterator[Cloud]:
    settings = settings_for(
        tmp_path / "data",
        database_url=mariadb_url,
        heartbeat_interval=INTERVAL,
        heartbeat_threshold=THRESHOLD,
        database_pool_size=3,
    )
    with running_cloud(settings) as c:
        yield c


def _peer_with_a_running_job(cloud: Cloud) -> tuple[int, int]:
    """A peer node's row (it never beats again) and a job it holds; (msid, job id)."""

    def create(session):  # type: ignore[no-untyped-def]
        peer = membership.register(
            session, name="peer", service_ip="127.0.0.2", service_port=1, version="test"
        )
        now = db_now(session)
        job = AsyncJob(
            command="deleteDomain",
            user_id=1,
            account_id=1,
            domain_id=1,
            status=JobStatus.IN_PROGRESS,
            owner_msid=peer.msid,
            lease_expires=now + timedelta(minutes=10),
            attempts=1,
        )
        session.add(job)
        session.flush()
        return peer.msid, job.id

    result: tuple[int, int] = cloud.rt.db.run(create)
    return result


def _raw(url: str) -> pymysql.connections.Connection:  # type: ignore[type-arg]
    u = make_url(url)
    return pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password,
        database=u.database,
        autocommit=False,
    )


def _rows(cloud: Cloud, peer_msid: int, job_id: int) -> tuple[str, float, float]:
    """(peer state, own heartbeat age in s, job still leased to the peer), on a fresh connection."""
    conn = _raw(cloud.settings.database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT state FROM management_server WHERE msid = %s", (peer_msid,))
            (state,) = cur.fetchone()  # type: ignore[misc]
            cur.execute(
                "SELECT TIMESTAMPDIFF(MICROSECOND, last_update, UTC_TIMESTAMP(6)) / 1e6"
                " FROM management_server WHERE msid = %s",
                (cloud.rt.msid,),
            )
            (age,) = cur.fetchone()  # type: ignore[misc]
            cur.execute(
                "SELECT owner_msid = %s AND lease_expires > UTC_TIMESTAMP(6)"
                " FROM async_job WHERE id = %s",
                (peer_msid, job_id),
            )
            (held,) = cur.fetchone()  # type: ignore[misc]
        return str(state), float(age), bool(held)
    finally:
        conn.close()


def test_heartbeat_and_detection_ignore_a_full_pool_and_locked_job_rows(
    fast_mariadb_cloud: Cloud,
) -> None:
    cloud = fast_mariadb_cloud
    peer_msid, job_id = _peer_with_a_running_job(cloud)
    silent_since = time.monotonic()
    locker = _raw(cloud.settings.database_url)
    with ExitStack() as held:
        # Every connection of the node's pool (3 + 3 overflow) is taken, as by
        # request threads in a storm ...
        for _ in range(6):
            held.enter_context(cloud.rt.db.engine.connect())
        # ... and the peer's job row is locked by a long transaction.
        with locker.cursor() as cur:
            cur.execute("SELECT id FROM async_job WHERE id = %s FOR UPDATE", (job_id,))
        worst_age, detected = 0.0, None
        while time.monotonic() - silent_since < BOUND + 2:
            state, age, held_by_peer = _rows(cloud, peer_msid, job_id)
            worst_age = max(worst_age, age)
            if state == membership.DOWN and detected is None:
                detected = time.monotonic() - silent_since
            if detected is not None and time.monotonic() - silent_since > BOUND:
                break
            time.sleep(0.05)
        print(f"peer declared Down after {detected}s; own heartbeat at most {worst_age:.2f}s old")
        assert detected is not None and detected <= BOUND, detected
        assert worst_age < THRESHOLD
        assert not cloud.agent.fenced.is_set()
        # The job waits for the lock, not the detection: still leased while locked.
        assert held_by_peer
        locker.rollback()
    locker.close()
    # Lock gone: the peer's job is handed over (claimable, or adopted) within a few rounds.
    deadline = time.monotonic() + 5
    while _rows(cloud, peer_msid, job_id)[2]:
        assert time.monotonic() < deadline, "the dead peer's job was never released"
        time.sleep(0.05)


def test_no_false_fencing_while_every_thread_competes_for_the_interpreter(
    fast_mariadb_cloud: Cloud,
) -> None:
    """Busy Python threads (the GIL) and a held pool: rounds stay short, nobody fenced."""
    cloud = fast_mariadb_cloud
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += sum(range(2000))

    spinners = [threading.Thread(target=spin, daemon=True) for _ in range(12)]
    with ExitStack() as held:
        for _ in range(6):
            held.enter_context(cloud.rt.db.engine.connect())
        for t in spinners:
            t.start()
        try:
            time.sleep(3)
        finally:
            stop.set()
            for t in spinners:
                t.join()
    own = cloud.rt.db.run(
        lambda s: s.execute(
            select(ManagementServer.state).where(ManagementServer.msid == cloud.rt.msid)
        ).scalar_one()
    )
    print(f"slowest heartbeat round under 12 busy threads: {cloud.agent.slowest_round:.3f}s")
    assert own == membership.UP
    assert not cloud.agent.fenced.is_set()
    # A round as slow as THRESHOLD - INTERVAL would risk fencing a healthy node
    # (the ORM round of before took 1.5-1.9 s here; this one 0.3-1.0 s on a
    # machine with load 8-10, a few tenths when quiet).
    assert cloud.agent.slowest_round < THRESHOLD - INTERVAL
