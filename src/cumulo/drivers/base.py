"""The hypervisor driver interface every driver (simulator, KVM) implements.

Method names follow the agent commands CloudStack sends (``PingCommand``,
``StartCommand`` ...); the ``COMMAND_*`` names below are what
``configureSimulator name=...`` matches, so fault injection reads the same.
Every call gets an optional ``Mock`` (fault-injection rule picked by the
service layer) and answers with an ``Answer`` rather than raising for an
ordinary failure, like an agent does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

COMMAND_READY = "ReadyCommand"
COMMAND_PING = "PingCommand"
COMMAND_CHECK_HEALTH = "CheckHealthCommand"
COMMAND_HOST_STATS = "GetHostStatsCommand"
COMMAND_START = "StartCommand"
COMMAND_STOP = "StopCommand"
COMMAND_APPLY_RULES = "SetFirewallRulesCommand"
COMMAND_REBOOT = "RebootCommand"
COMMAND_MIGRATE = "MigrateCommand"
COMMAND_CHECK_VM = "CheckVirtualMachineCommand"
COMMAND_CREATE_VOLUME = "CreateCommand"
COMMAND_DESTROY_VOLUME = "DestroyCommand"
COMMAND_MODIFY_POOL = "ModifyStoragePoolCommand"
COMMAND_MAINTAIN = "MaintainCommand"
COMMAND_DOWNLOAD = "DownloadCommand"
COMMAND_CREATE_SNAPSHOT = "CreateSnapshotCommand"
COMMAND_REVERT_SNAPSHOT = "RevertSnapshotCommand"
COMMAND_DELETE_SNAPSHOT = "DeleteSnapshotCommand"
COMMAND_CREATE_VM_SNAPSHOT = "CreateVMSnapshotCommand"
COMMAND_REVERT_VM_SNAPSHOT = "RevertToVMSnapshotCommand"
COMMAND_DELETE_VM_SNAPSHOT = "DeleteVMSnapshotCommand"
COMMAND_PLUG_NIC = "PlugNicCommand"
COMMAND_UNPLUG_NIC = "UnPlugNicCommand"
COMMAND_SECURITY_RULES = "SecurityGroupRulesCmd"
# CloudStack sends ISO (CD-ROM) changes as AttachCommand / DettachCommand (its spelling).
COMMAND_ATTACH_ISO = "AttachCommand"
COMMAND_DETACH_ISO = "DettachCommand"

GiB = 1024**3
TiB = 1024**4


class DriverError(Exception):
    """The driver could not run the request at all (bad URL, unknown host)."""


@dataclass(frozen=True)
class Mock:
    """A fault-injection rule as the service layer hands it to a driver."""

    command: str
    result: str | None = None  # "fail" | "fault" | None
    wait_ms: int = 0
    json_response: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    ok: bool
    details: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HostInfo:
    """What a hypervisor reports about itself when it is discovered."""

    guid: str
    name: str
    cpus: int
    cpu_sockets: int
    speed: int  # MHz per core
    memory: int  # bytes
    local_storage: int  # bytes, 0 = none
    hypervisor_version: str
    arch: str = "x86_64"


@dataclass(frozen=True)
class HostSpec:
    """Everything a driver needs to (re)connect a host the database knows."""

    guid: str
    url: str
    name: str
    cpus: int
    speed: int
    memory: int
    local_storage: int
    private_ip: str | None = None
    arch: str = "x86_64"


@dataclass(frozen=True)
class HostStats:
    cpu_used_mhz: int
    memory_used: int
    vm_count: int


@dataclass(frozen=True)
class NicSpec:
    """One guest NIC as the hypervisor plugs it."""

    mac: str
    ip: str | None
    network: str  # network uuid
    device_id: int = 0
    default: bool = False
    netmask: str | None = None
    gateway: str | None = None
    broadcast_uri: str | None = None


@dataclass(frozen=True)
class VmSpec:
    name: str
    cpus: int
    speed: int
    memory: int
    details: dict[str, str] = field(default_factory=dict)
    nics: tuple[NicSpec, ...] = ()


@dataclass(frozen=True)
class PoolSpec:
    uuid: str
    url: str
    pool_type: str
    capacity_bytes: int = 0  # 0 = ask the storage


@dataclass(frozen=True)
class PoolStats:
    capacity_bytes: int
    used_bytes: int


class HypervisorDriver(ABC):
    """One hypervisor type. Instances are shared by every thread of a process."""

    hypervisor: str

    # -- hosts ------------------------------------------------------------
    @abstractmethod
    def discover(self, url: str, username: str | None, password: str | None) -> HostInfo:
        """Probe the host at ``url`` (addHost); no state changes."""

    @abstractmethod
    def connect_host(self, spec: HostSpec, mock: Mock | None = None) -> Answer:
        """Bring the agent connection up (idempotent: reconnecting keeps the VMs)."""

    @abstractmethod
    def disconnect_host(self, guid: str) -> None:
        """Forget the connection (deleteHost); running VMs are not touched."""

    @abstractmethod
    def ping(self, guid: str, mock: Mock | None = None) -> Answer:
        """Liveness check the owner node runs periodically."""

    @abstractmethod
    def check_health(self, guid: str, mock: Mock | None = None) -> Answer: ...

    @abstractmethod
    def host_stats(self, guid: str, mock: Mock | None = None) -> HostStats: ...

    @abstractmethod
    def maintain(self, guid: str, mock: Mock | None = None) -> Answer:
        """Tell the host it enters maintenance (MaintainCommand)."""

    # -- virtual machines ---------------------------------------------------
    @abstractmethod
    def start_vm(self, guid: str, vm: VmSpec, mock: Mock | None = None) -> Answer: ...

    @abstractmethod
    def stop_vm(
        self, guid: str, name: str, *, force: bool = False, mock: Mock | None = None
    ) -> Answer: ...

    @abstractmethod
    def reboot_vm(self, guid: str, name: str, mock: Mock | None = None) -> Answer: ...

    @abstractmethod
    def migrate_vm(
        self, source_guid: str, dest_guid: str, name: str, mock: Mock | None = None
    ) -> Answer: ...

    @abstractmethod
    def vm_power_states(self, guid: str) -> dict[str, str]:
        """``{vm name: Running | Stopped}`` as the hypervisor sees it."""

    # -- network rules ------------------------------------------------------
    def apply_network_rules(
        self, guid: str, router: str, rules: list[dict[str, Any]], mock: Mock | None = None
    ) -> Answer:
        """Replace the rule set (firewall, NAT, LB) of virtual router ``router`` on the host.

        The whole set is sent every time, so applying is idempotent.
        """
        return Answer(False, f"{type(self).__name__} cannot program virtual routers")

    # -- NICs and security groups (not abstract: a driver without them refuses) --------
    def plug_nic(self, guid: str, vm: str, nic: NicSpec, mock: Mock | None = None) -> Answer:
        """Hot-plug ``nic`` into running VM ``vm``; plugging a NIC it has already succeeds."""
        return Answer(False, f"{self.hypervisor} cannot hot-plug NICs")

    def unplug_nic(self, guid: str, vm: str, mac: str, mock: Mock | None = None) -> Answer:
        """Remove the NIC with ``mac`` from running VM ``vm``; a NIC it lacks is gone already."""
        return Answer(False, f"{self.hypervisor} cannot unplug NICs")

    def apply_security_rules(
        self, guid: str, vm: str, mac: str, rules: dict[str, Any], mock: Mock | None = None
    ) -> Answer:
        """Replace the security group rule set of one NIC (``ingress``/``egress`` lists)."""
        return Answer(False, f"{self.hypervisor} cannot program security groups")

    def set_iso(self, guid: str, vm: str, iso: str | None, mock: Mock | None = None) -> Answer:
        """Insert ISO ``iso`` (its image store path) into running VM ``vm``'s CD-ROM drive,
        or eject it (``None``); setting what is already there succeeds."""
        return Answer(False, f"{self.hypervisor} cannot change a running VM's CD-ROM")

    # -- storage ------------------------------------------------------------
    @abstractmethod
    def attach_pool(self, guid: str, pool: PoolSpec, mock: Mock | None = None) -> PoolStats:
        """Mount a primary storage pool on the host and report its size."""

    @abstractmethod
    def create_volume(
        self, pool: PoolSpec, name: str, size: int, mock: Mock | None = None
    ) -> Answer: ...

    @abstractmethod
    def destroy_volume(self, pool: PoolSpec, path: str, mock: Mock | None = None) -> Answer: ...

    # -- snapshots (not abstract: a driver without them answers "unsupported") ------
    def create_snapshot(self, pool: PoolSpec, path: str, mock: Mock | None = None) -> Answer:
        """Copy the volume at ``path`` to a snapshot; ``data["path"]`` names it."""
        return Answer(False, f"{self.hypervisor} does not support volume snapshots")

    def revert_snapshot(
        self, pool: PoolSpec, path: str, snapshot: str, mock: Mock | None = None
    ) -> Answer:
        return Answer(False, f"{self.hypervisor} does not support reverting snapshots")

    def delete_snapshot(self, snapshot: str, mock: Mock | None = None) -> Answer:
        return Answer(False, f"{self.hypervisor} does not support volume snapshots")

    # -- VM snapshots (all disks, optionally memory, on the VM's host) ---------------
    def create_vm_snapshot(
        self,
        guid: str,
        vm_name: str,
        disks: list[tuple[PoolSpec, str]],
        memory: bool,
        mock: Mock | None = None,
    ) -> Answer:
        """Snapshot the VM's ``disks`` (pool, path) and, if ``memory``, its RAM.

        ``data["path"]`` names the snapshot on the hypervisor.
        """
        return Answer(False, f"{self.hypervisor} does not support VM snapshots")

    def revert_vm_snapshot(
        self, guid: str, vm_name: str, snapshot: str, mock: Mock | None = None
    ) -> Answer:
        """Put the VM's disks (and memory) back; ``data["power"]`` is the VM's power after."""
        return Answer(False, f"{self.hypervisor} does not support VM snapshots")

    def delete_vm_snapshot(self, guid: str, snapshot: str, mock: Mock | None = None) -> Answer:
        return Answer(False, f"{self.hypervisor} does not support VM snapshots")

    @abstractmethod
    def image_store_stats(self, url: str) -> PoolStats:
        """Size of a secondary storage, for capacity reporting."""

    # -- secondary storage ----------------------------------------------------
    def download_template(
        self, url: str, store_url: str, done_pct: int, mock: Mock | None = None
    ) -> Answer:
        """One progress step of a template download to an image store.

        Answers ``data={"pct": n, "size": bytes, "install_path": ...}``; the
        service calls again until ``pct`` is 100. Drivers without secondary
        storage support answer a failure.
        """
        return Answer(False, f"{self.hypervisor} cannot download templates")
