"""Periodic background tasks of the node agent (expunge sweeps and the like).

Areas register a task with ``register(name, interval, run)``: ``interval(rt)``
gives the seconds between runs (read each time, so a changed setting takes
effect), ``run(rt)`` does one sweep. Every node runs every task; the tasks
themselves must be safe to run concurrently on several nodes (conditional
UPDATEs), as everything else is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cumulo.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Task:
    name: str
    interval: Callable[[Runtime], float]
    run: Callable[[Runtime], object]
    # monotonic time of the last run; None = never (run at the first tick)
    last_run: float | None = field(default=None)


TASKS: list[Task] = []


def register(
    name: str, interval: Callable[[Runtime], float], run: Callable[[Runtime], object]
) -> None:
    if not any(t.name == name for t in TASKS):
        TASKS.append(Task(name, interval, run))


def _load() -> None:
    # Modules that register tasks; imported here so the agent needs no list of areas.
    import cumulo.services.post_uploads
    import cumulo.services.project_invitations
    import cumulo.services.snapshot_scheduler
    import cumulo.services.vms.sweeps
    import cumulo.services.volumes.sweeps  # noqa: F401


def tick(rt: Runtime, now: float | None = None) -> None:
    """Run every task that is due; a failing task is logged and retried next time."""
    _load()
    now = time.monotonic() if now is None else now
    for task in TASKS:
        try:
            # Read every tick, so a shortened interval applies without waiting out the old one.
            interval = max(task.interval(rt), 1.0)
        except Exception:
            interval = 60.0
        if task.last_run is not None and now - task.last_run < interval:
            continue
        task.last_run = now
        try:
            task.run(rt)
        except Exception:
            log.exception("periodic task %s failed", task.name)
