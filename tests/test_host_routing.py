"""Commands for a host run on the node that owns it, forwarded from any other node."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from cumulo.db.database import db_now
from cumulo.db.models.host import Host
from cumulo.db.models.host_command import HostCommand
from cumulo.drivers.base import COMMAND_HOST_STATS, COMMAND_PING
from cumulo.services import host_commands
from tests.infra_helpers import add_host, simple_zone, wait_hosts_up
from tests.support.cloud import Cloud
from tests.support.nodes import running_nodes
from tests.test_concurrency import TAKEOVER, fast_settings


def _host_ids_by_owner(node: Cloud) -> dict[int, str]:
    """host id -> name of the owning node, for Up hosts."""
    api = node.admin
    up = {h["id"]: h.get("managementservername", "") for h in api.call("listHosts")["host"]}
    rows = node.rt.db.run(lambda s: s.execute(select(Host.id, Host.uuid)).all(), write=False)
    return {hid: up[uuid] for hid, uuid in rows if up.get(uuid)}


def _queued(node: Cloud) -> int:
    return node.rt.db.run(
        lambda s: s.execute(select(func.count()).select_from(HostCommand)).scalar_one(),
        write=False,
    )


def test_command_runs_on_the_owner_and_follows_the_host_after_it_dies(tmp_path: Path) -> None:
    with running_nodes(fast_settings(tmp_path, TAKEOVER), ["", ""]) as nodes:
        api = nodes[0].admin
        zone, pod, cluster = simple_zone(api)
        for h in range(4):
            add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/c0/h{h}")
        wait_hosts_up(api, 4, timeout=30)
        by_name = {n.settings.node_name: n for n in nodes}
        host_id, owner_name = next(iter(_host_ids_by_owner(nodes[0]).items()))
        owner = by_name[owner_name]
        other = next(n for n in nodes if n is not owner)

        # From the other node: forwarded, run by the owner.
        routed = host_commands.send(other.rt, host_id, COMMAND_PING)
        assert routed.answer.ok and routed.forwarded and routed.ran_on == owner_name
        stats = host_commands.send(other.rt, host_id, COMMAND_HOST_STATS)
        assert stats.ran_on == owner_name and "memory_used" in stats.answer.data
        # On the owner itself: run in place, nothing queued.
        local = host_commands.send(owner.rt, host_id, COMMAND_PING)
        assert local.answer.ok and not local.forwarded and local.ran_on == owner_name
        assert _queued(owner) == 0  # answered rows are removed by their senders

        took = []
        for _ in range(10):
            t0 = time.monotonic()
            assert host_commands.send(other.rt, host_id, COMMAND_PING).answer.ok
            took.append(time.monotonic() - t0)
        print(f"\nforwarded ping: median {statistics.median(took) * 1000:.0f} ms")

        # The owner dies silently; a command sent at once waits in the queue
        # until the survivor has taken the host over, then runs there.
        owner.agent._stop.set()
        owner.agent.jobs.stop(wait=False)
        t0 = time.monotonic()
        after = host_commands.send(other.rt, host_id, COMMAND_PING, timeout=30)
        moved = time.monotonic() - t0
        print(f"owner killed: the next command answered after {moved:.2f}s")
        assert after.answer.ok and after.forwarded
        assert after.ran_on == other.settings.node_name
        assert moved < 20
        # Now the survivor owns it: commands run in place.
        again = host_commands.send(other.rt, host_id, COMMAND_PING)
        assert again.answer.ok and not again.forwarded


def test_a_command_nobody_serves_is_withdrawn_after_the_timeout(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    host_id = cloud.rt.db.run(lambda s: s.execute(select(Host.id)).scalar_one(), write=False)

    def ghost_owner(session):  # type: ignore[no-untyped-def]
        # A live-looking lease held by a node that never answers.
        until = db_now(session) + timedelta(minutes=5)
        session.execute(update(Host).values(mgmt_server_msid=4242, lease_expires=until))

    cloud.rt.db.run(ghost_owner)
    routed = host_commands.send(cloud.rt, host_id, COMMAND_PING, timeout=0.5)
    assert not routed.answer.ok
    assert "No management server owning the host ran PingCommand" in routed.answer.details
    assert _queued(cloud) == 0
