"""Primary storage pool states (CloudStack StoragePoolStatus)."""

from __future__ import annotations

from cumulo.db.models.storage_pool import StoragePool
from cumulo.services.states import table

UP, DISABLED = "Up", "Disabled"
PREPARE, MAINTENANCE = "PrepareForMaintenance", "Maintenance"
ERROR_IN_MAINTENANCE, CANCEL = "ErrorInMaintenance", "CancelMaintenance"

STATUS = table(
    "Storage pool",
    StoragePool,
    "status",
    {
        "enable": ((UP, DISABLED), UP),
        "disable": ((UP, DISABLED), DISABLED),
        "ask_maintenance": ((UP, DISABLED, ERROR_IN_MAINTENANCE), PREPARE),
        "enter_maintenance": ((PREPARE,), MAINTENANCE),
        "maintenance_failed": ((PREPARE,), ERROR_IN_MAINTENANCE),
        "cancel_maintenance": ((PREPARE, MAINTENANCE, ERROR_IN_MAINTENANCE), CANCEL),
        "maintenance_cancelled": ((CANCEL,), UP),
    },
)
