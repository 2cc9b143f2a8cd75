"""Periodic capacity check: alerts when zone/pod/cluster usage crosses a threshold.

Runs on every node's agent, but only the node holding the ``capacity.check``
task lease does the work in a given period (services.task_leases). Each
crossing raises one alert (alerts.raise_alert keeps it open, not repeated);
once usage drops back below the threshold the alert is resolved.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.zone import Zone
from cumulo.runtime import Runtime
from cumulo.services import alerts, capacity, task_leases
from cumulo.services.capacity import Capacity, Where
from cumulo.services.configuration import ConfigStore

log = logging.getLogger(__name__)
LEASE = "capacity.check"

# capacity type -> (notification threshold setting, its scope, alert type)
CLUSTER_CHECKS = {
    capacity.MEMORY: ("cluster.memory.allocated.capacity.notificationthreshold", "Cluster", 0),
    capacity.CPU: ("cluster.cpu.allocated.capacity.notificationthreshold", "Cluster", 1),
    capacity.STORAGE: ("pool.storage.capacity.notificationthreshold", "Zone", 2),
    capacity.STORAGE_ALLOCATED: (
        "pool.storage.allocated.capacity.notificationthreshold",
        "Zone",
        3,
    ),
}
ZONE_CHECKS = {
    capacity.PUBLIC_IP: ("zone.virtualnetwork.publicip.capacity.notificationthreshold", None, 4),
    capacity.PRIVATE_IP: ("pod.privateip.capacity.notificationthreshold", None, 5),
    capacity.SECONDARY_STORAGE: ("zone.secstorage.capacity.notificationthreshold", None, 6),
    capacity.VLAN: ("zone.vlan.capacity.notificationthreshold", None, 18),
    capacity.DIRECT_PUBLIC_IP: (
        "zone.directnetwork.publicip.capacity.notificationthreshold",
        None,
        24,
    ),
}
ALERT_TYPES = sorted({c[2] for c in (*CLUSTER_CHECKS.values(), *ZONE_CHECKS.values())})


def _threshold(config: ConfigStore, name: str, scope: str | None, cap: Capacity) -> float:
    if scope == "Cluster" and cap.cluster_id is not None:
        return float(config.get(name, "Cluster", cap.cluster_id))
    if scope == "Zone":
        return float(config.get(name, "Zone", cap.zone_id))
    return float(config.get(name))


def check(session: Session, config: ConfigStore) -> int:
    """One pass over every zone and cluster; returns the number of new alerts."""
    zones = dict(session.execute(select(Zone.id, Zone.name).where(Zone.removed.is_(None))).all())
    clusters = session.execute(
        select(Cluster.id, Cluster.name, Cluster.zone_id, Cluster.pod_id).where(
            Cluster.removed.is_(None)
        )
    ).all()
    over: set[tuple[int, int | None, int | None, int | None]] = set()
    was_open = {
        (a.type, a.zone_id, a.pod_id, a.cluster_id)
        for a in alerts.open_alerts(session, ALERT_TYPES)
    }
    found: list[tuple[Capacity, tuple[str, str | None, int], str]] = []
    for cap in capacity.compute(session, Where()):
        if cap.type in ZONE_CHECKS:
            found.append((cap, ZONE_CHECKS[cap.type], f"zone {zones.get(cap.zone_id)}"))
    for cid, cname, zone_id, pod_id in clusters:
        for cap in capacity.compute(session, Where(zone_id=zone_id, cluster_id=cid)):
            if cap.type in CLUSTER_CHECKS:
                cap.pod_id, cap.cluster_id = pod_id, cid
                found.append((cap, CLUSTER_CHECKS[cap.type], f"cluster {cname}"))
    for cap, (setting, scope, alert_type), where in found:
        if cap.total <= 0:
            continue
        used = cap.allocated if cap.allocated is not None else cap.used
        ratio = used / cap.total
        if ratio <= _threshold(config, setting, scope, cap):
            continue
        key = (alert_type, cap.zone_id, cap.pod_id, cap.cluster_id)
        over.add(key)
        alerts.raise_alert(
            session,
            alert_type,
            cap.zone_id,
            cap.pod_id,
            cap.cluster_id,
            f"System Alert: Low Available {capacity.NAMES[cap.type]} in {where}",
            f"{capacity.NAMES[cap.type]} used {used} of {cap.total} ({ratio:.0%}) in {where}, "
            f"above {setting}",
        )
    for alert in alerts.open_alerts(session, ALERT_TYPES):
        if (alert.type, alert.zone_id, alert.pod_id, alert.cluster_id) not in over:
            alerts.resolve(session, alert.type, alert.zone_id, alert.pod_id, alert.cluster_id)
    return len(over - was_open)


class CapacityChecker:
    """The agent thread's body: every ``capacity.check.period`` ms, if this node holds the lease."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._last = 0.0

    def tick(self) -> bool:
        """Run a check when one is due; True when this node ran it."""
        period = self.rt.config.get_int("capacity.check.period") / 1000.0
        if time.monotonic() - self._last < period or self.rt.msid is None:
            return False
        msid = self.rt.msid

        def work(session: Session) -> bool:
            # Held a little longer than the period, so a live holder keeps it.
            if not task_leases.acquire(session, LEASE, msid, period * 2 + 5):
                return False
            check(session, self.rt.config)
            return True

        self._last = time.monotonic()
        return bool(self.rt.db.run(work))


def run_forever(checker: CapacityChecker, stop: threading.Event, fenced: threading.Event) -> None:
    while not stop.wait(1.0):
        if fenced.is_set():
            continue
        try:
            checker.tick()
        except Exception:
            log.exception("capacity check failed")
