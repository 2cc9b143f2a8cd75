"""What every renderer gets and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cumulo.cluster.inventory import Host, Inventory
from cumulo.cluster.render.layout import DEBIAN, Layout


@dataclass(frozen=True)
class Artefact:
    """One file to write, relative to the output folder (``<host>/<file>``)."""

    path: str
    content: str
    mode: int = 0o644
    # Where the operator installs it on the host.
    install_to: str = ""


@dataclass(frozen=True)
class Context:
    inv: Inventory
    secrets: dict[str, str]
    layout_for: Callable[[str], Layout] = field(default=lambda _name: DEBIAN)

    def db_addr(self, host: Host) -> str:
        return host.address(self.inv.db_net)

    def web_addr(self, host: Host) -> str:
        return host.address(self.inv.web_net)


def seconds(value: float) -> str:
    """1.0 -> '1', 0.5 -> '0.5' (keepalived and HAProxy accept both)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def iso_duration(value: float) -> str:
    return f"PT{seconds(value)}S"
