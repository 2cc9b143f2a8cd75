"""The two state machines of a host: agent status and operator resource state."""

from __future__ import annotations

from cumulo.db.models.host import Host
from cumulo.services.states import table

CONNECTING, UP, DOWN = "Connecting", "Up", "Down"
DISCONNECTED, ALERT = "Disconnected", "Alert"

# Agent status (CloudStack Status + Status.Event, reduced to what cumulo fires).
STATUS = table(
    "Host",
    Host,
    "status",
    {
        # the owner node (re)connects the host
        "connect": ((CONNECTING, UP, DOWN, DISCONNECTED, ALERT), CONNECTING),
        "ready": ((CONNECTING, UP, DISCONNECTED, ALERT, DOWN), UP),
        "ping_ok": ((UP, ALERT, DISCONNECTED, DOWN), UP),
        # a check failed: Alert first, Down once the failure persists
        "ping_failed": ((UP, CONNECTING, DISCONNECTED), ALERT),
        "confirmed_down": ((ALERT, DISCONNECTED, CONNECTING), DOWN),
        # the owner node went away; a survivor will reconnect it
        "owner_lost": ((UP, CONNECTING, ALERT), DISCONNECTED),
        "connect_failed": ((CONNECTING,), ALERT),
    },
)

ENABLED, DISABLED = "Enabled", "Disabled"
PREPARE, MAINTENANCE = "PrepareForMaintenance", "Maintenance"
ERROR_IN_PREPARE, ERROR_IN_MAINTENANCE = "ErrorInPrepareForMaintenance", "ErrorInMaintenance"

# Resource state (CloudStack ResourceState + ResourceState.Event).
RESOURCE = table(
    "Host",
    Host,
    "resource_state",
    {
        "enable": ((ENABLED, DISABLED), ENABLED),
        "disable": ((ENABLED, DISABLED), DISABLED),
        "ask_maintenance": ((ENABLED, DISABLED, ERROR_IN_PREPARE, ERROR_IN_MAINTENANCE), PREPARE),
        "enter_maintenance": ((PREPARE,), MAINTENANCE),
        "unable_to_migrate": ((PREPARE,), ERROR_IN_PREPARE),
        "cancel_maintenance": (
            (PREPARE, MAINTENANCE, ERROR_IN_PREPARE, ERROR_IN_MAINTENANCE),
            ENABLED,
        ),
    },
)

# Resource states a host can leave by cancelHostMaintenance.
IN_MAINTENANCE = RESOURCE.events["cancel_maintenance"].sources
