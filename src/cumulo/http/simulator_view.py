"""GET /simulator/vms: the simulated hosts' own view of their VMs, for tests and demos.

Only served with ``simulator_state_view`` on. It shows what the hypervisor side
holds (plugged NICs, the security group rules it enforces), which the API
cannot show because the API answers from the database.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cumulo.drivers.registry import driver_for


async def simulator_vms(_: Request) -> Response:
    world = getattr(driver_for("simulator"), "world", None)
    return JSONResponse(world.vm_state() if world is not None else {})
