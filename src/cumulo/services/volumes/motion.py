"""Moving a volume's data between pools: the driver calls between the transactions.

A move is a copy to the destination pool followed by dropping the source, so
a failure before the drop leaves the volume whole on its source pool.
``plan`` is what ``ops.reserve_move`` returned.
"""

from __future__ import annotations

from typing import Any

from cumulo.drivers import registry
from cumulo.services.vms.common import spec_from_json


def copy(plan: dict[str, Any]) -> tuple[str | None, str]:
    """Create the copy on the destination pool: (its path or None, the driver's details)."""
    driver = registry.driver_for(plan["hv"] or "Simulator")
    answer = driver.create_volume(spec_from_json(plan["dst"]), plan["name"], plan["size"])
    if not answer.ok:
        return None, answer.details
    return str(answer.data.get("path", "")), ""


def drop(plan: dict[str, Any], side: str, path: str) -> None:
    """Remove the data at ``path`` on the plan's ``src`` or ``dst`` pool (idempotent)."""
    driver = registry.driver_for(plan["hv"] or "Simulator")
    driver.destroy_volume(spec_from_json(plan[side]), path)
