"""The simulated world: hosts, their VMs and pools, shared by the whole process.

It stands for real hardware, so it lives outside any one management node:
when another node takes a host over, it reconnects to the same simulated
host and finds its VMs still running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SimVm:
    name: str
    cpus: int
    speed: int
    memory: int
    power: str = "Running"
    # Plugged NICs by MAC: {"ip", "network", "device_id", "default", ...}.
    nics: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Effective security group rules per NIC MAC: {"ingress": [...], "egress": [...]}.
    security_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The ISO in the CD-ROM drive (image store path), if any.
    iso: str | None = None


@dataclass
class SimHost:
    guid: str
    name: str
    cpus: int
    speed: int
    memory: int
    local_storage: int
    powered: bool = True
    connected: bool = False
    vms: dict[str, SimVm] = field(default_factory=dict)
    pools: set[str] = field(default_factory=set)

    @property
    def cpu_used_mhz(self) -> int:
        return sum(v.cpus * v.speed for v in self.vms.values() if v.power == "Running")

    @property
    def memory_used(self) -> int:
        return sum(v.memory for v in self.vms.values() if v.power == "Running")


@dataclass
class SimPool:
    uuid: str
    capacity: int
    volumes: dict[str, int] = field(default_factory=dict)  # path -> size

    @property
    def used(self) -> int:
        return sum(self.volumes.values())


@dataclass
class SimVmSnapshot:
    vm: str
    # (pool uuid, volume path) -> size at snapshot time
    disks: dict[tuple[str, str], int]
    memory: bool


class World:
    """All simulated hardware; every access holds ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.hosts: dict[str, SimHost] = {}
        self.pools: dict[str, SimPool] = {}
        # Rule sets programmed into virtual routers, by router name.
        self.router_rules: dict[str, list[dict[str, Any]]] = {}
        # snapshot id -> (pool uuid, volume path, size): copies kept off the pool.
        self.snapshots: dict[str, tuple[str, str, int]] = {}
        # VM snapshot id -> what it holds.
        self.vm_snapshots: dict[str, SimVmSnapshot] = {}

    def vm_state(self) -> dict[str, dict[str, Any]]:
        """What every simulated host runs, by VM name: host, power, NICs, SG rules."""
        with self.lock:
            return {
                vm.name: {
                    "host": host.guid,
                    "power": vm.power,
                    "iso": vm.iso,
                    "nics": {mac: dict(n) for mac, n in vm.nics.items()},
                    "security_rules": {
                        mac: {k: list(v) for k, v in r.items()}
                        for mac, r in vm.security_rules.items()
                    },
                }
                for host in self.hosts.values()
                for vm in host.vms.values()
            }
