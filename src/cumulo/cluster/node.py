"""The node agent: heartbeat, peer failure detection and the job runner of one node."""

from __future__ import annotations

import logging
import threading

from cumulo.cluster import membership
from cumulo.cluster.membership import NodeIdentity
from cumulo.jobs.runner import JobRunner
from cumulo.runtime import Runtime
from cumulo.services.host_monitor import HostMonitor

log = logging.getLogger(__name__)


class NodeAgent:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.identity: NodeIdentity | None = None
        self.jobs = JobRunner(rt)
        self.hosts = HostMonitor(rt)
        self.fenced = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._host_thread: threading.Thread | None = None
        self._periodic_thread: threading.Thread | None = None

    def start(self) -> NodeIdentity:
        s = self.rt.settings
        self.identity = self.rt.db.run(
            lambda session: membership.register(
                session,
                name=s.node_name,
                service_ip=s.service_ip,
                service_port=s.port,
                version=self.rt.version,
            )
        )
        self.rt.msid = self.identity.msid
        self.rt.node_uuid = self.identity.uuid
        self.jobs.start()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()
        # Hosts are pinged on their own thread: a slow hypervisor must not delay
        # the heartbeat (and get this node fenced).
        self._host_thread = threading.Thread(target=self._host_loop, name="hosts", daemon=True)
        self._host_thread.start()
        self._periodic_thread = threading.Thread(
            target=self._periodic_loop, name="periodic", daemon=True
        )
        self._periodic_thread.start()
        log.info("node %s (msid %s) is up", self.identity.name, self.identity.msid)
        return self.identity

    def _loop(self) -> None:
        interval = self.rt.settings.heartbeat_interval
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:
                log.exception("heartbeat failed")

    def _host_loop(self) -> None:
        interval = self.rt.settings.heartbeat_interval
        while not self._stop.wait(interval):
            if self.fenced.is_set():
                continue  # a fenced node drops its hosts; survivors take them over
            try:
                self.hosts.tick()
            except Exception:
                log.exception("host monitor failed")

    def _periodic_loop(self) -> None:
        from cumulo.cluster import periodic

        while not self._stop.wait(self.rt.settings.heartbeat_interval):
            if not self.fenced.is_set():
                periodic.tick(self.rt)

    def tick(self) -> None:
        assert self.identity is not None
        node = self.identity
        alive = self.rt.db.run(lambda s: membership.heartbeat(s, node), idempotent=True)
        if not alive:
            self.fence("another process took over this node's heartbeat row")
            return
        threshold = self.rt.settings.heartbeat_threshold
        dead = self.rt.db.run(lambda s: membership.mark_dead_peers(s, threshold))
        for msid in dead:
            log.warning("management server %s missed its heartbeats; declared Down", msid)
        if dead:
            self.rt.job_wakeup.set()  # adopt the dead node's jobs now

    def fence(self, reason: str) -> None:
        if not self.fenced.is_set():
            log.error("fencing this node: %s", reason)
            self.fenced.set()
            self.rt.accepting_jobs = False

    def stop(self) -> None:
        self._stop.set()
        self.jobs.stop(wait=True)
        if self._thread:
            self._thread.join(timeout=5)
        if self._host_thread:
            self._host_thread.join(timeout=5)
        if self._periodic_thread:
            self._periodic_thread.join(timeout=5)
        if self.identity is not None and not self.fenced.is_set():
            node = self.identity
            try:
                self.rt.db.run(lambda s: membership.mark_stopped(s, node), idempotent=True)
            except Exception:
                log.exception("could not mark this node stopped")
