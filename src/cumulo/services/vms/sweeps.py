"""The VM expunge sweep, run periodically by every node agent."""

from __future__ import annotations

from cumulo.cluster import periodic
from cumulo.runtime import Runtime
from cumulo.services.callers import caller_for_user
from cumulo.services.vms import removal

SYSTEM_USER_ID = 1


def expunge_sweep(rt: Runtime) -> int:
    found = rt.db.run(lambda s: caller_for_user(s, SYSTEM_USER_ID), write=False)
    if found is None:
        return 0
    return removal.expunge_due(rt.db.run, rt.config, found[0])


periodic.register(
    "vm-expunge", lambda rt: float(rt.config.get_int("expunge.interval")), expunge_sweep
)
