"""Simulator host URLs: ``http://sim/c0/h0`` with optional ``cpuspeed=…&cpucore=…``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from cumulo.drivers.base import DriverError, GiB

DEFAULT_CORES = 4
DEFAULT_SPEED = 8000  # MHz
DEFAULT_MEMORY = 8 * GiB
DEFAULT_LOCAL_STORAGE = 0


@dataclass(frozen=True)
class SimUrl:
    authority: str
    path: str
    cpus: int
    speed: int
    memory: int
    local_storage: int
    arch: str


def parse(url: str) -> SimUrl:
    """Read a simulator URL; the authority must start with ``sim`` (as upstream)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc.lower().startswith("sim"):
        raise DriverError(
            f"{url!r} is not a simulator URL; use http://sim/<cluster>/<host>, optionally "
            "followed by /cpuspeed=...&cpucore=...&memory=...&localstorage=..."
        )
    segments = [s for s in parts.path.split("/") if s]
    options: dict[str, str] = {}
    if segments and "=" in segments[-1]:
        options = dict(parse_qsl(segments.pop()))
    if parts.query:
        options.update(parse_qsl(parts.query))
    return SimUrl(
        authority=parts.netloc,
        path="/".join(segments),
        cpus=_int(options, "cpucore", DEFAULT_CORES),
        speed=_int(options, "cpuspeed", DEFAULT_SPEED),
        memory=_int(options, "memory", DEFAULT_MEMORY),
        local_storage=_int(options, "localstorage", DEFAULT_LOCAL_STORAGE),
        arch=options.get("arch", "x86_64"),
    )


def _int(options: dict[str, str], key: str, default: int) -> int:
    raw = options.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DriverError(f"simulator URL option {key}={raw!r} is not a whole number") from None
    if value <= 0:
        raise DriverError(f"simulator URL option {key} must be positive, not {value}")
    return value
