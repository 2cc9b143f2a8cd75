"""Route a command for a host to the management node that owns the host.

Only the owner talks to a host: it holds the agent's connection (KVM, later)
or, for the simulator, it is the one node whose monitor drives that host. Any
node may need a host to act, so ``send`` runs the command locally when this
node owns the host and otherwise queues it in ``host_command`` for the owner,
whose ``serve`` loop claims, runs and answers it. A queued command survives
the owner's death: whoever takes the host over (host_monitor) serves it. The
forwarding is the database, so it needs no extra port, credentials or peer
addresses and works the same on SQLite, MariaDB and Galera (docs/agents.md).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cumulo.db.database import db_now
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.host import Host
from cumulo.db.models.host_command import HostCommand, HostCommandState
from cumulo.drivers import registry
from cumulo.drivers.base import (
    COMMAND_CHECK_HEALTH,
    COMMAND_CHECK_VM,
    COMMAND_HOST_STATS,
    COMMAND_PING,
    Answer,
    HostSpec,
    HypervisorDriver,
)
from cumulo.errors import InvalidParameter
from cumulo.runtime import Runtime
from cumulo.services.hosts import spec_of

log = logging.getLogger(__name__)

# How often an owner looks for commands queued for its hosts, and a sender
# for the answer: the forwarding latency is about one of each.
POLL_SECONDS = 0.05
CLAIM_BATCH = 20

Handler = Callable[[HypervisorDriver, HostSpec, dict[str, Any]], Answer]


def _stats(driver: HypervisorDriver, spec: HostSpec, _args: dict[str, Any]) -> Answer:
    return Answer(True, data=dataclasses.asdict(driver.host_stats(spec.guid)))


def _vm_states(driver: HypervisorDriver, spec: HostSpec, _args: dict[str, Any]) -> Answer:
    return Answer(True, data={"states": driver.vm_power_states(spec.guid)})


# The commands that can be routed today; more driver calls move here as the
# services that make them learn to go through ``send``.
HANDLERS: dict[str, Handler] = {
    COMMAND_PING: lambda d, spec, _a: d.ping(spec.guid),
    COMMAND_CHECK_HEALTH: lambda d, spec, _a: d.check_health(spec.guid),
    COMMAND_HOST_STATS: _stats,
    COMMAND_CHECK_VM: _vm_states,
}


@dataclass(frozen=True)
class Routed:
    answer: Answer
    # Name of the management node that ran the command.
    ran_on: str
    forwarded: bool


@dataclass(frozen=True)
class _Target:
    host_id: int
    owner: int | None
    hypervisor: str
    spec: HostSpec


def execute(rt: Runtime, target: _Target, command: str, args: dict[str, Any]) -> Answer:
    """Run the command against the driver (no transaction open)."""
    driver = registry.driver_for(target.hypervisor)
    try:
        return HANDLERS[command](driver, target.spec, args)
    except Exception as exc:  # a driver failure is the command's answer, not ours
        log.warning("%s on host %s failed: %s", command, target.spec.name, exc)
        return Answer(False, f"{command} failed on {rt.node_name}: {exc}")


def _target(session: Session, host_id: int) -> _Target:
    host = session.get(Host, host_id)
    if host is None or host.removed is not None or host.hypervisor is None:
        raise InvalidParameter(f"Host {host_id} does not exist or was removed")
    return _Target(host.id, host.mgmt_server_msid, host.hypervisor, spec_of(host))


def send(
    rt: Runtime,
    host_id: int,
    command: str,
    args: dict[str, Any] | None = None,
    *,
    timeout: float = 30.0,
) -> Routed:
    """Run ``command`` on the node owning the host and return its answer."""
    if command not in HANDLERS:
        raise InvalidParameter(f"{command} cannot be sent to a host (known: {sorted(HANDLERS)})")
    args = args or {}
    target = rt.db.run(lambda s: _target(s, host_id), write=False)
    if target.owner is not None and target.owner == rt.msid:
        return Routed(execute(rt, target, command, args), rt.node_name, False)

    def queue(session: Session) -> int:
        row = HostCommand(
            host_id=host_id, command=command, args=json.dumps(args), sender_msid=rt.msid
        )
        session.add(row)
        session.flush()
        return row.id

    row_id = rt.db.run(queue)
    return _await(rt, row_id, command, timeout)


def _await(rt: Runtime, row_id: int, command: str, timeout: float) -> Routed:
    deadline = time.monotonic() + timeout
    while True:
        done = rt.db.run(lambda s: _answer_of(s, row_id), write=False)
        if done is not None:
            break
        if time.monotonic() > deadline:
            done = rt.db.run(lambda s: _give_up(s, row_id, command, timeout))
            if done is not None:
                break
        time.sleep(POLL_SECONDS)
    # The answer is read: the row has served its purpose.
    rt.db.run(lambda s: s.execute(delete(HostCommand).where(HostCommand.id == row_id)))
    return done


def _answer_of(session: Session, row_id: int) -> Routed | None:
    row = session.get(HostCommand, row_id)
    if row is None or row.state not in (HostCommandState.DONE, HostCommandState.ABANDONED):
        return None
    body = json.loads(row.answer or "{}")
    answer = Answer(bool(row.ok), body.get("details", ""), body.get("data", {}))
    return Routed(answer, body.get("ran_on", ""), True)


def _give_up(session: Session, row_id: int, command: str, timeout: float) -> Routed | None:
    """Withdraw a command nobody claimed; None if it is running or answered meanwhile."""
    text = f"No management server owning the host ran {command} within {timeout:.0f}s"
    res = session.execute(
        update(HostCommand)
        .where(HostCommand.id == row_id, HostCommand.state == HostCommandState.PENDING)
        .values(state=HostCommandState.ABANDONED, ok=False, answer=json.dumps({"details": text}))
    )
    if res.rowcount == 1:  # type: ignore[attr-defined]
        return Routed(Answer(False, text), "", True)
    return None


# -- the owner's side ---------------------------------------------------------
def serve(rt: Runtime) -> int:
    """Run the commands queued for hosts this node owns; returns how many ran."""
    msid = rt.msid
    if msid is None or not rt.accepting_jobs:
        return 0
    # Polled 20 times a second: most polls find nothing, so a read-only look
    # (an index probe) first. The claim is a write transaction with three
    # queries; on SQLite it takes the database's write lock every time.
    if _nothing_open(rt):
        return 0
    claimed = rt.db.run(lambda s: _claim(s, msid))
    for row_id, target, command, args in claimed:
        answer = execute(rt, target, command, args)
        rt.db.run(partial(_record, msid=msid, node=rt.node_name, row_id=row_id, answer=answer))
    return len(claimed)


# Built once: this runs on every poll.
_OPEN = (
    select(HostCommand.id)
    .where(HostCommand.state.in_((HostCommandState.PENDING, HostCommandState.RUNNING)))
    .limit(1)
)


def _nothing_open(rt: Runtime) -> bool:
    """No command waits or runs anywhere: nothing to claim, nothing interrupted.

    On a bare connection (no ORM session) and without retries: if the look
    fails, the caller claims as before, which retries and logs.
    """
    try:
        with rt.db.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")  # a reader: no write lock
            return conn.execute(_OPEN).first() is None
    except Exception:
        return False


def _claim(session: Session, msid: int) -> list[tuple[int, _Target, str, dict[str, Any]]]:
    now = db_now(session)
    mine = select(Host.id).where(
        Host.mgmt_server_msid == msid, Host.lease_expires >= now, Host.removed.is_(None)
    )
    _abandon_interrupted(session, msid, mine)
    pending = session.execute(
        select(HostCommand.id, HostCommand.host_id, HostCommand.command, HostCommand.args)
        .where(HostCommand.state == HostCommandState.PENDING, HostCommand.host_id.in_(mine))
        .order_by(HostCommand.id)
        .limit(CLAIM_BATCH)
    ).all()
    claimed = []
    for row_id, host_id, command, args in pending:
        res = session.execute(
            update(HostCommand)
            .where(HostCommand.id == row_id, HostCommand.state == HostCommandState.PENDING)
            .values(state=HostCommandState.RUNNING, runner_msid=msid)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((row_id, _target(session, host_id), command, json.loads(args)))
    return claimed


def _abandon_interrupted(session: Session, msid: int, mine: Any) -> None:
    """Commands a previous owner was running when it died: answered as interrupted.

    They are not run again, because a host command need not be idempotent; the
    sender sees the failure and decides (as with an agent that disconnects).
    """
    rows = session.execute(
        select(HostCommand.id, ManagementServer.name)
        .outerjoin(ManagementServer, ManagementServer.msid == HostCommand.runner_msid)
        .where(
            HostCommand.state == HostCommandState.RUNNING,
            HostCommand.host_id.in_(mine),
            HostCommand.runner_msid != msid,
        )
    ).all()
    for row_id, name in rows:
        text = f"interrupted: management server {name} stopped while running it"
        session.execute(
            update(HostCommand)
            .where(HostCommand.id == row_id, HostCommand.state == HostCommandState.RUNNING)
            .values(
                state=HostCommandState.ABANDONED, ok=False, answer=json.dumps({"details": text})
            )
        )


def _record(session: Session, msid: int, node: str, row_id: int, answer: Answer) -> None:
    body = {"details": answer.details, "data": answer.data, "ran_on": node}
    session.execute(
        update(HostCommand)
        .where(
            HostCommand.id == row_id,
            HostCommand.state == HostCommandState.RUNNING,
            HostCommand.runner_msid == msid,
        )
        .values(
            state=HostCommandState.DONE,
            ok=answer.ok,
            answer=json.dumps(body),
            completed=db_now(session),
        )
    )
