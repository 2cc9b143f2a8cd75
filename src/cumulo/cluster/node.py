"""The node agent: heartbeat, peer failure detection, fencing, draining, job runner.

The node's row in ``management_server`` is both its heartbeat and its control
channel: ``prepareForShutdown`` / ``triggerShutdown`` / ``cancelShutdown``,
sent to any node, change the row's state and the node follows on its next
heartbeat. SIGTERM does the same locally.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from cumulo.cluster import membership as ms
from cumulo.cluster.beat import LeanHeartbeat
from cumulo.cluster.heartbeat_db import Adopter, heartbeat_database
from cumulo.cluster.membership import NodeIdentity
from cumulo.db import writelock
from cumulo.db.database import Database
from cumulo.jobs import housekeeping
from cumulo.jobs.runner import JobRunner
from cumulo.runtime import Runtime
from cumulo.services.capacity_checker import CapacityChecker, run_forever
from cumulo.services.host_monitor import HostMonitor

log = logging.getLogger(__name__)


class NodeAgent:
    def __init__(self, rt: Runtime, on_exit: Callable[[], None] | None = None) -> None:
        self.rt = rt
        self.identity: NodeIdentity | None = None
        self.jobs = JobRunner(rt)
        self.hosts = HostMonitor(rt)
        # Called once when the process should end (drained, or superseded).
        self.on_exit = on_exit
        self.fenced = threading.Event()
        self.fence_reason = ""
        self.state = ms.UP
        self._exiting = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_renewal = time.monotonic()
        self._lock = threading.Lock()
        self.capacity = CapacityChecker(rt)
        # Job-lease renewals use connections of their own: a node whose
        # request threads hold every pooled connection (an API storm) must not
        # lose its leases. The heartbeat has its own again (heartbeat_db.py):
        # neither a pool nor a job row's lock may delay it.
        self.control_db = control_database(rt)
        self.jobs.lease_db = self.control_db
        self.heartbeat_db = heartbeat_database(rt)
        self.beat = None if self.heartbeat_db is rt.db else LeanHeartbeat(self.heartbeat_db)
        self.adopter = Adopter(self.control_db, self._stop, rt.job_wakeup.set)
        # Set when a peer is declared Down: take its hosts over now, not at the next round.
        self.hosts_wakeup = threading.Event()
        self.slowest_round = 0.0

    def start(self) -> NodeIdentity:
        s = self.rt.settings
        self.identity = self.rt.db.run(
            lambda session: ms.register(
                session,
                name=s.node_name,
                service_ip=s.service_ip,
                service_port=s.port,
                version=self.rt.version,
            )
        )
        self.rt.msid = self.identity.msid
        self.rt.node_uuid = self.identity.uuid
        self._last_renewal = time.monotonic()
        self.jobs.start()
        self.adopter.start()
        for target, name in (
            (self._loop, "heartbeat"),
            (self._housekeeping, "job-housekeeping"),
            # Hosts are pinged on their own thread: a slow hypervisor must not
            # delay the heartbeat (and get this node fenced).
            (self._host_loop, "hosts"),
            # Commands other nodes queued for the hosts this node owns.
            (self._host_command_loop, "host-commands"),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        capacity = threading.Thread(
            target=run_forever,
            args=(self.capacity, self._stop, self.fenced),
            name="capacity",
            daemon=True,
        )
        capacity.start()
        self._threads.append(capacity)
        periodic = threading.Thread(target=self._periodic_loop, name="periodic", daemon=True)
        periodic.start()
        self._threads.append(periodic)
        log.info("node %s (msid %s) is up", self.identity.name, self.identity.msid)
        return self.identity

    # -- heartbeat -------------------------------------------------------
    def _loop(self) -> None:
        # SQLite: heartbeats go first in this process's write queue.
        writelock.mark_urgent()
        interval = self.rt.settings.heartbeat_interval
        next_round = time.monotonic() + interval
        while not self._stop.wait(max(0.0, next_round - time.monotonic())):
            # Rounds keep their rhythm: a slow round does not push the next one back.
            began = time.monotonic()
            next_round = max(next_round + interval, began)
            try:
                self.tick()
            except Exception:
                log.exception("heartbeat round failed")
            took = time.monotonic() - began
            self.slowest_round = max(self.slowest_round, took)
            if took > interval:
                log.warning("heartbeat round took %.2fs (interval %.2fs)", took, interval)

    def _host_loop(self) -> None:
        last_periodic = 0.0
        while True:
            self.hosts_wakeup.wait(self.rt.settings.host_monitor_interval)
            self.hosts_wakeup.clear()
            if self._stop.is_set():
                return
            if self.fenced.is_set():
                continue  # a fenced node drops its hosts; survivors take them over
            try:
                self.hosts.tick()
            except Exception:
                log.exception("host monitor failed")
            if time.monotonic() - last_periodic >= self.rt.settings.system_vm_monitor_interval:
                last_periodic = time.monotonic()
                self._periodic()

    def _host_command_loop(self) -> None:
        from cumulo.services import host_commands

        while not self._stop.wait(host_commands.POLL_SECONDS):
            if self.fenced.is_set():
                continue
            try:
                host_commands.serve(self.rt)
            except Exception:
                log.exception("serving host commands failed")

    def _periodic(self) -> None:
        """Secondary-storage and system VM work, on the hosts thread (it drives agents too)."""
        from cumulo.services import system_vm_monitor, template_downloads

        for name, fn in (
            ("downloads", template_downloads.tick),
            ("system vms", system_vm_monitor.tick),
        ):
            try:
                fn(self.rt)
            except Exception:
                log.exception("%s tick failed", name)

    def _periodic_loop(self) -> None:
        from cumulo.cluster import periodic

        while not self._stop.wait(self.rt.settings.periodic_check_interval):
            if not self.fenced.is_set():
                periodic.tick(self.rt)

    def tick(self) -> None:
        assert self.identity is not None
        node, mine = self.identity, self.state
        threshold = self.rt.settings.heartbeat_threshold

        def one_round(session: Session) -> tuple[str | None, list[int]]:
            # Renewal and peer detection in one short transaction on the
            # heartbeat's own connection: two round trips fewer under load.
            state = ms.heartbeat(session, node, mine)
            if state is None:
                return None, []
            return state, ms.mark_dead_peers(session, threshold, node)

        try:
            if self.beat is not None:
                row_state, dead = self.beat.round(node, mine, threshold)
            else:
                row_state, dead = self.heartbeat_db.run(one_round, idempotent=True)
        except Exception as exc:
            silent = time.monotonic() - self._last_renewal
            log.warning("heartbeat not renewed for %.1fs: %s", silent, exc)
            if silent >= self.rt.settings.heartbeat_threshold:
                self.fence(f"cannot renew the heartbeat for {silent:.1f}s (database unreachable)")
            return
        if row_state is None:
            self.fence("another process took over this node's heartbeat row (run id superseded)")
            self._exit()
            return
        self._last_renewal = time.monotonic()
        if self.fenced.is_set() and not self._exiting.is_set():
            # Our row is still ours: whatever ran here was adopted meanwhile
            # (fencing tokens), so taking jobs again is safe.
            log.warning("heartbeat renewed again; this node is no longer fenced")
            self.fenced.clear()
            self.rt.accepting_jobs = self.state == ms.UP
        for msid in dead:
            log.warning("management server %s missed its heartbeats; declared Down", msid)
        if dead:
            self.adopter.adopt(dead)  # its jobs, on the adopter's thread
            self.hosts_wakeup.set()  # its hosts, now
        self._follow(row_state)

    def fence(self, reason: str) -> None:
        """Stop taking jobs and hand over the running ones; /readyz answers 503."""
        if self.fenced.is_set():
            return
        log.error("fencing this node: %s", reason)
        self.fence_reason = reason
        self.fenced.set()
        self.rt.accepting_jobs = False
        try:
            self.jobs.release_all()
        except Exception:
            # The database is gone: the leases run out by themselves, and the
            # runs cannot commit anything without them.
            log.warning("could not release job leases while fenced")

    # -- draining --------------------------------------------------------
    def _follow(self, row_state: str) -> None:
        """Act on a state an operator set through any node."""
        if row_state in (ms.PREPARING, ms.SHUTTING_DOWN) and self.state == ms.UP:
            self._begin_drain(exit_after=row_state == ms.SHUTTING_DOWN)
        elif row_state == ms.SHUTTING_DOWN and self.state != ms.SHUTTING_DOWN:
            self._begin_drain(exit_after=True)
        elif row_state == ms.UP and self.state != ms.UP and not self._exiting.is_set():
            log.info("shutdown cancelled; accepting jobs again")
            self.state = ms.UP
            self.rt.accepting_jobs = not self.fenced.is_set()
        if self.state == ms.PREPARING and self.jobs.running() == 0:
            self._set_row_state(ms.READY)

    def request_shutdown(self) -> None:
        """SIGTERM: stop taking jobs, let running ones finish, then exit."""
        self._begin_drain(exit_after=True)

    def _begin_drain(self, *, exit_after: bool) -> None:
        with self._lock:
            self.rt.accepting_jobs = False
            self.state = ms.SHUTTING_DOWN if exit_after else ms.PREPARING
            if exit_after and self._exiting.is_set():
                return
            if exit_after:
                self._exiting.set()
        log.warning("node is draining (%s)", self.state)
        self._set_row_state(self.state)
        if exit_after:
            threading.Thread(target=self._drain_then_exit, name="drain", daemon=True).start()

    def _set_row_state(self, state: str) -> None:
        if self.identity is None:
            return
        node = self.identity
        try:
            self.control_db.run(lambda s: ms.set_state(s, node, state), idempotent=True)
        except Exception:
            log.warning("could not record state %s", state)

    def _drain_then_exit(self) -> None:
        began = time.monotonic()
        grace = self.rt.settings.shutdown_grace_seconds
        if not self.jobs.wait_idle(grace):
            log.warning("jobs still running after %.0fs; handing them to other nodes", grace)
            self.jobs.release_all()
        # /readyz has answered 503 since the drain began; keep serving until
        # the load balancer has seen that, or its requests meet a closed port.
        listen = self.rt.settings.drain_listen_seconds - (time.monotonic() - began)
        if listen > 0 and not self._stop.wait(listen):
            log.info("drained; closing the API port")
        self._exit()

    def _exit(self) -> None:
        self._exiting.set()
        if self.on_exit is not None:
            self.on_exit()

    # -- housekeeping ------------------------------------------------------
    def _housekeeping(self) -> None:
        interval = self.rt.settings.job_housekeeping_interval
        while not self._stop.wait(interval):
            if self.fenced.is_set():
                continue
            try:
                done = housekeeping.run_once(self.rt)
                if done and any(done):
                    log.info("job housekeeping: %d purged, %d cancelled", *done)
            except Exception:
                log.exception("job housekeeping failed")

    # -- stop --------------------------------------------------------------
    def stop(self) -> None:
        """Leave the cluster: hand over running jobs, mark the row Down."""
        self._stop.set()
        self.rt.accepting_jobs = False
        try:
            self.jobs.release_all()
        except Exception:
            log.warning("could not release job leases at stop")
        self.jobs.stop(wait=False)
        self.hosts_wakeup.set()
        for t in self._threads:
            t.join(timeout=5)
        self.adopter.join(timeout=5)
        if self.identity is not None and not self.fenced.is_set():
            node = self.identity
            try:
                self.rt.db.run(lambda s: ms.mark_stopped(s, node), idempotent=True)
            except Exception:
                log.exception("could not mark this node stopped")
        if self.beat is not None:
            self.beat.close()
        for db in {id(d): d for d in (self.control_db, self.heartbeat_db)}.values():
            if db is not self.rt.db:
                db.dispose()


def control_database(rt: Runtime) -> Database:
    """Two connections of its own for a server database (SQLite has one writer anyway)."""
    if rt.db.sqlite:
        return rt.db
    s = rt.settings
    return Database(
        s.effective_database_url,
        pool_size=1,
        replicas=s.database_replicas,
        failback_after=s.database_failback_seconds,
        connect_timeout=s.database_connect_timeout,
    )
