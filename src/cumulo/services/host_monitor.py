"""The owner node's periodic work on hosts: take over, connect, ping, renew leases.

Each host is owned by one live management node through a lease in the
``host`` row. Every tick the node renews its leases, claims hosts whose lease
ran out (their owner died or never existed), connects hosts that are
Connecting and pings the rest. A failed check moves a host to Alert, a
failure that persists to Down; a good answer brings it back Up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from cumulo.db.database import db_now
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.host import Host
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_PING, COMMAND_READY, Answer, HostSpec, Mock
from cumulo.runtime import Runtime
from cumulo.services import simulator_mocks
from cumulo.services.hosts import spec_of
from cumulo.services.states import host as states

log = logging.getLogger(__name__)

# Consecutive failed pings before an Alert host is declared Down.
DOWN_AFTER_FAILURES = 3


@dataclass(frozen=True)
class Check:
    host_id: int
    hypervisor: str
    connecting: bool
    # Up with no failures counted: a good answer changes nothing but last_pinged.
    healthy: bool
    spec: HostSpec
    mock: Mock | None


def _orphaned(now, threshold: timedelta):  # type: ignore[no-untyped-def]
    """No owner, the owner was declared Down, or its lease ran out and it is silent.

    An owner whose heartbeat is fresh keeps its hosts even if its host round
    is late (a storm starves that thread, not the heartbeat's): taking them
    over would only move them back and forth between live nodes.
    """
    down = select(ManagementServer.msid).where(ManagementServer.state == "Down")
    beating = select(ManagementServer.msid).where(
        ManagementServer.state != "Down",
        ManagementServer.removed.is_(None),
        ManagementServer.last_update >= now - threshold,
    )
    return or_(
        Host.mgmt_server_msid.is_(None),
        and_(Host.lease_expires < now, Host.mgmt_server_msid.not_in(beating)),
        Host.mgmt_server_msid.in_(down),
    )


class HostMonitor:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        # Renewed every round (host_monitor_interval): two rounds may be missed.
        # A dead owner's hosts do not wait for this: they are taken over as soon
        # as the owner is declared Down.
        s = rt.settings
        self.lease = timedelta(seconds=s.heartbeat_threshold + 2 * s.host_monitor_interval)
        self.threshold = timedelta(seconds=s.heartbeat_threshold)

    def tick(self) -> int:
        """One round; returns how many hosts this node checked."""
        msid = self.rt.msid
        if msid is None or not self.rt.accepting_jobs:
            return 0
        checks = self.rt.db.run(lambda s: self._claim_and_plan(s, msid))
        results = [(c, self._run(c)) for c in checks]
        if results:
            self.rt.db.run(lambda s: self._record(s, msid, results))
        return len(results)

    # -- database phases ------------------------------------------------------
    def _claim_and_plan(self, session: Session, msid: int) -> list[Check]:
        now = db_now(session)
        expires = now + self.lease
        # Renew what is ours, then take over what nobody holds any more.
        session.execute(
            update(Host)
            .where(Host.mgmt_server_msid == msid, Host.removed.is_(None))
            .values(lease_expires=expires)
        )
        orphaned = session.execute(
            select(Host.id, Host.mgmt_server_msid).where(
                Host.removed.is_(None), Host.type == "Routing", _orphaned(now, self.threshold)
            )
        ).all()
        # Hosts taken over are reconnected (this process may never have seen
        # them) but keep their status: an Up host stays usable for placement
        # while it changes owner; a failed check moves it to Alert as usual.
        taken = {
            host_id
            for host_id, previous in orphaned
            if self._take_over(session, host_id, previous, msid, now, expires)
        }
        hosts = (
            session.execute(
                select(Host).where(Host.mgmt_server_msid == msid, Host.removed.is_(None))
            )
            .scalars()
            .all()
        )
        with_mocks = simulator_mocks.any_active(session)
        checks = []
        for host in hosts:
            if host.hypervisor is None or registry.canonical(host.hypervisor) is None:
                continue
            # A Down host is pinged, not reconnected: if its checks keep failing it
            # must stay Down instead of flapping through Connecting and Up.
            connecting = host.status in (states.CONNECTING, states.DISCONNECTED)
            connecting = connecting or host.id in taken
            command = COMMAND_READY if connecting else COMMAND_PING
            mock = simulator_mocks.take(session, command, host) if with_mocks else None
            healthy = host.status == states.UP and host.failed_pings == 0
            checks.append(Check(host.id, host.hypervisor, connecting, healthy, spec_of(host), mock))
        return checks

    def _take_over(
        self,
        session: Session,
        host_id: int,
        previous: int | None,
        msid: int,
        now: datetime,
        expires: datetime,
    ) -> bool:
        res = session.execute(
            update(Host)
            .where(Host.id == host_id, _orphaned(now, self.threshold))
            .values(mgmt_server_msid=msid, last_mgmt_server_msid=previous, lease_expires=expires)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return False
        if previous is not None and previous != msid:
            log.warning("took over host %s from management server %s", host_id, previous)
        return True

    def _record(self, session: Session, msid: int, results: list[tuple[Check, Answer]]) -> None:
        now = db_now(session)
        # The common case, healthy hosts answering, is one UPDATE for all of them.
        steady = {c.host_id for c, a in results if a.ok and c.healthy and not c.connecting}
        if steady:
            session.execute(
                update(Host)
                .where(
                    Host.id.in_(steady),
                    Host.mgmt_server_msid == msid,
                    Host.status == states.UP,
                )
                .values(last_pinged=now)
            )
        for check, answer in results:
            if check.host_id in steady:
                continue
            host = session.get(Host, check.host_id)
            if host is None or host.removed is not None or host.mgmt_server_msid != msid:
                continue  # deleted or taken over meanwhile
            if answer.ok:
                event = "ready" if check.connecting else "ping_ok"
                if host.status != states.UP or event == "ready":
                    states.STATUS.try_apply(session, host, event)
                host.failed_pings, host.last_pinged = 0, now
                continue
            host.failed_pings += 1
            log.info("host %s check failed: %s", host.name, answer.details)
            if host.status in (states.UP, states.CONNECTING, states.DISCONNECTED):
                states.STATUS.try_apply(session, host, "ping_failed", disconnected=now)
            elif host.status == states.ALERT and host.failed_pings >= DOWN_AFTER_FAILURES:
                states.STATUS.try_apply(session, host, "confirmed_down")

    # -- driver phase (no database, no transaction open) ------------------------
    def _run(self, check: Check) -> Answer:
        driver = registry.driver_for(check.hypervisor)
        try:
            if check.connecting:
                return driver.connect_host(check.spec, check.mock)
            answer = driver.ping(check.spec.guid, check.mock)
            if not answer.ok and "does not exist" not in answer.details:
                return answer
            if answer.ok:
                return answer
            # A host this process never saw (a fresh node took it over): reconnect.
            return driver.connect_host(check.spec, None)
        except Exception as exc:  # a driver bug must not stop the monitor
            log.exception("checking host %s failed", check.spec.name)
            return Answer(False, f"Exception: {exc}")
