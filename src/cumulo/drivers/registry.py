"""Which driver serves which hypervisor type (``addCluster hypervisor=...``)."""

from __future__ import annotations

import threading

from cumulo.drivers.base import HypervisorDriver

_lock = threading.Lock()
_drivers: dict[str, HypervisorDriver] = {}


def _load() -> dict[str, HypervisorDriver]:
    with _lock:
        if not _drivers:
            from cumulo.drivers.simulator.driver import SimulatorDriver

            sim = SimulatorDriver()
            _drivers[sim.hypervisor.lower()] = sim
    return _drivers


def supported() -> list[str]:
    """Canonical spellings of the hypervisor types this build drives."""
    return sorted(d.hypervisor for d in _load().values())


def canonical(name: str) -> str | None:
    driver = _load().get(name.strip().lower())
    return driver.hypervisor if driver else None


def driver_for(hypervisor: str) -> HypervisorDriver:
    driver = _load().get(hypervisor.strip().lower())
    if driver is None:
        raise LookupError(f"no driver for hypervisor {hypervisor}")
    return driver
