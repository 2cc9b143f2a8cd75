"""Virtual machine states (CloudStack VirtualMachine.State), for every VM type."""

from __future__ import annotations

from cumulo.db.models.vm import VMInstance
from cumulo.services.states import table

STARTING, RUNNING, STOPPING, STOPPED = "Starting", "Running", "Stopping", "Stopped"
DESTROYED, EXPUNGING, MIGRATING, ERROR = "Destroyed", "Expunging", "Migrating", "Error"
TRANSITIONAL = frozenset({STARTING, STOPPING, MIGRATING, EXPUNGING})

STATE = table(
    "Virtual machine",
    VMInstance,
    "state",
    {
        "start": ((STOPPED,), STARTING),
        "started": ((STARTING,), RUNNING),
        "start_failed": ((STARTING,), STOPPED),
        "stop": ((RUNNING,), STOPPING),
        "stopped": ((STOPPING, RUNNING), STOPPED),
        "stop_failed": ((STOPPING,), RUNNING),
        "migrate": ((RUNNING,), MIGRATING),
        "migrated": ((MIGRATING,), RUNNING),
        "migrate_failed": ((MIGRATING,), RUNNING),
        # A host failure or sync finds the VM gone.
        "power_off": ((RUNNING, STARTING, STOPPING, MIGRATING), STOPPED),
        "destroy": ((STOPPED, RUNNING, ERROR), DESTROYED),
        "recover": ((DESTROYED,), STOPPED),
        "expunge": ((DESTROYED, STOPPED, ERROR), EXPUNGING),
        "expunge_failed": ((EXPUNGING,), DESTROYED),
        "fail": ((STARTING, STOPPING, MIGRATING, EXPUNGING), ERROR),
    },
)
