"""Simulated hosts shared by the management processes of one machine (the lab).

Each process has its own ``World``. In a cluster the simulated hardware stands
outside every node, so a host one node connected must also answer the node
that runs a VM job on it (any node claims jobs; survivors adopt them). With
``CUMULO_SIMULATOR_SHARED=DIR`` a connected host's spec is written to DIR and
another process that is asked about that host adds it to its own World, powered
and connected. VMs and pools stay per process.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from cumulo.drivers.base import HostSpec

ENV = "CUMULO_SIMULATOR_SHARED"


def _folder() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def publish(spec: HostSpec) -> None:
    folder = _folder()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{spec.guid}.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(spec)))
    tmp.replace(folder / f"{spec.guid}.json")  # atomic: readers never see half a file


def lookup(guid: str) -> HostSpec | None:
    folder = _folder()
    if folder is None or "/" in guid:
        return None
    try:
        data = json.loads((folder / f"{guid}.json").read_text())
    except (OSError, ValueError):
        return None
    return HostSpec(**data)
