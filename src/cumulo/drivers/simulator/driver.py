"""SimulatorDriver: a complete, honest HypervisorDriver over the simulated world."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from cumulo.drivers.base import (
    COMMAND_APPLY_RULES,
    COMMAND_ATTACH_ISO,
    COMMAND_CHECK_HEALTH,
    COMMAND_CREATE_SNAPSHOT,
    COMMAND_CREATE_VM_SNAPSHOT,
    COMMAND_CREATE_VOLUME,
    COMMAND_DELETE_SNAPSHOT,
    COMMAND_DELETE_VM_SNAPSHOT,
    COMMAND_DESTROY_VOLUME,
    COMMAND_DETACH_ISO,
    COMMAND_DOWNLOAD,
    COMMAND_HOST_STATS,
    COMMAND_MAINTAIN,
    COMMAND_MIGRATE,
    COMMAND_MODIFY_POOL,
    COMMAND_PING,
    COMMAND_PLUG_NIC,
    COMMAND_READY,
    COMMAND_REBOOT,
    COMMAND_REVERT_SNAPSHOT,
    COMMAND_REVERT_VM_SNAPSHOT,
    COMMAND_SECURITY_RULES,
    COMMAND_START,
    COMMAND_STOP,
    COMMAND_UNPLUG_NIC,
    Answer,
    DriverError,
    HostInfo,
    HostSpec,
    HostStats,
    HypervisorDriver,
    Mock,
    NicSpec,
    PoolSpec,
    PoolStats,
    TiB,
    VmSpec,
)
from cumulo.drivers.simulator import mock as mocks
from cumulo.drivers.simulator import shared
from cumulo.drivers.simulator import url as simurl
from cumulo.drivers.simulator.state import SimHost, SimPool, SimVm, SimVmSnapshot, World

POOL_DEFAULT_CAPACITY = 1 * TiB
IMAGE_STORE_CAPACITY = 1 * TiB
VERSION = "4.20.0-cumulo-sim"


class SimulatorDriver(HypervisorDriver):
    hypervisor = "Simulator"

    def __init__(
        self, world: World | None = None, latency_ms: int = 0, download_step_pct: int = 50
    ) -> None:
        self.world = world or World()
        # How far a template download gets per call (the download speed).
        self.download_step_pct = max(1, min(100, download_step_pct))
        # Added to every command, to make the simulator behave like a slow agent.
        self.latency_ms = latency_ms

    # -- plumbing ---------------------------------------------------------------
    def _answer(self, command: str, mock: Mock | None, body: Callable[[], Answer]) -> Answer:
        """Latency, then the fault rule, then the simulated work."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        try:
            injected = mocks.before(mock)
        except mocks.SimulatedFault as exc:
            return Answer(False, f"Exception: {exc}")
        if injected is not None:
            return injected
        return body()

    def _host(self, guid: str) -> SimHost:
        host = self.world.hosts.get(guid)
        if host is None:
            raise DriverError(f"simulated host {guid} does not exist")
        return host

    def _live(self, guid: str) -> SimHost | None:
        host = self.world.hosts.get(guid) or self._from_shared(guid)
        return host if host and host.powered and host.connected else None

    def _from_shared(self, guid: str) -> SimHost | None:
        """A host another management process connected (see ``shared``)."""
        spec = shared.lookup(guid)
        if spec is None:
            return None
        with self.world.lock:
            host = self.world.hosts.setdefault(guid, _sim_host(spec))
            host.connected = True
        return host

    # -- hosts --------------------------------------------------------------------
    def discover(self, url: str, username: str | None, password: str | None) -> HostInfo:
        parsed = simurl.parse(url)
        name = "SimulatedAgent." + str(uuid.uuid4())
        return HostInfo(
            guid=str(uuid.uuid4()),
            name=name,
            cpus=parsed.cpus,
            cpu_sockets=1,
            speed=parsed.speed,
            memory=parsed.memory,
            local_storage=parsed.local_storage,
            hypervisor_version=VERSION,
            arch=parsed.arch,
        )

    def connect_host(self, spec: HostSpec, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self.world.hosts.get(spec.guid)
                if host is None:
                    host = _sim_host(spec)
                    self.world.hosts[spec.guid] = host
                if not host.powered:
                    return Answer(False, f"host {spec.name} does not answer")
                host.connected = True
                shared.publish(spec)
                return Answer(True, "Ready", {"version": VERSION})

        return self._answer(COMMAND_READY, mock, work)

    def disconnect_host(self, guid: str) -> None:
        with self.world.lock:
            host = self.world.hosts.get(guid)
            if host is not None:
                host.connected = False

    def ping(self, guid: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                if guid not in self.world.hosts:
                    return Answer(False, f"host {guid} does not exist")
                host = self._live(guid)
                if host is None:
                    return Answer(False, f"host {guid} does not answer")
                states = {name: vm.power for name, vm in host.vms.items()}
                return Answer(True, "", {"vms": states})

        return self._answer(COMMAND_PING, mock, work)

    def check_health(self, guid: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                return Answer(self._live(guid) is not None)

        return self._answer(COMMAND_CHECK_HEALTH, mock, work)

    def host_stats(self, guid: str, mock: Mock | None = None) -> HostStats:
        answer = self._answer(COMMAND_HOST_STATS, mock, lambda: Answer(True))
        if not answer.ok:
            raise DriverError(answer.details)
        with self.world.lock:
            host = self._host(guid)
            return HostStats(host.cpu_used_mhz, host.memory_used, len(host.vms))

    def maintain(self, guid: str, mock: Mock | None = None) -> Answer:
        return self._answer(COMMAND_MAINTAIN, mock, lambda: Answer(True))

    # -- power switch, for tests and demos (a dead host, not a failed command) ------
    def set_power(self, guid: str, powered: bool) -> None:
        with self.world.lock:
            self._host(guid).powered = powered

    # -- virtual machines ------------------------------------------------------------
    def start_vm(self, guid: str, vm: VmSpec, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                if host is None:
                    return Answer(False, f"host {guid} does not answer")
                free_mem = host.memory - host.memory_used
                running = host.vms.get(vm.name)
                if running and running.power == "Running":
                    return Answer(True, "already running")
                if vm.memory > free_mem:
                    return Answer(False, f"not enough memory on {host.name} for {vm.name}")
                sim = SimVm(vm.name, vm.cpus, vm.speed, vm.memory)
                sim.nics = {n.mac: _nic_record(n) for n in vm.nics}
                sim.iso = vm.details.get("iso")
                host.vms[vm.name] = sim
                return Answer(True)

        return self._answer(COMMAND_START, mock, work)

    def stop_vm(
        self, guid: str, name: str, *, force: bool = False, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                if host is None:
                    return Answer(False, f"host {guid} does not answer")
                host.vms.pop(name, None)  # stopping a VM that is not there succeeds
                return Answer(True)

        return self._answer(COMMAND_STOP, mock, work)

    def apply_network_rules(
        self, guid: str, router: str, rules: list[dict[str, Any]], mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                vm = host.vms.get(router) if host else None
                if vm is None or vm.power != "Running":
                    return Answer(False, f"router {router} is not running on {guid}")
                self.world.router_rules[router] = [dict(rule) for rule in rules]
                return Answer(True)

        return self._answer(COMMAND_APPLY_RULES, mock, work)

    def _running(self, guid: str, name: str) -> SimVm | None:
        host = self._live(guid)
        vm = host.vms.get(name) if host else None
        return vm if vm is not None and vm.power == "Running" else None

    def plug_nic(self, guid: str, vm: str, nic: NicSpec, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                sim = self._running(guid, vm)
                if sim is None:
                    return Answer(False, f"VM {vm} is not running on {guid}")
                taken = [n for mac, n in sim.nics.items() if mac != nic.mac]
                if any(n["device_id"] == nic.device_id for n in taken):
                    return Answer(False, f"VM {vm} already has a NIC at device {nic.device_id}")
                sim.nics[nic.mac] = _nic_record(nic)
                return Answer(True)

        return self._answer(COMMAND_PLUG_NIC, mock, work)

    def set_iso(self, guid: str, vm: str, iso: str | None, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                sim = self._running(guid, vm)
                if sim is None:
                    return Answer(False, f"VM {vm} is not running on {guid}")
                sim.iso = iso
                return Answer(True)

        command = COMMAND_ATTACH_ISO if iso is not None else COMMAND_DETACH_ISO
        return self._answer(command, mock, work)

    def unplug_nic(self, guid: str, vm: str, mac: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                sim = self._running(guid, vm)
                if sim is None:
                    return Answer(False, f"VM {vm} is not running on {guid}")
                sim.nics.pop(mac, None)
                sim.security_rules.pop(mac, None)
                return Answer(True)

        return self._answer(COMMAND_UNPLUG_NIC, mock, work)

    def apply_security_rules(
        self, guid: str, vm: str, mac: str, rules: dict[str, Any], mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                sim = self._running(guid, vm)
                if sim is None or mac not in sim.nics:
                    return Answer(False, f"VM {vm} with NIC {mac} is not running on {guid}")
                sim.security_rules[mac] = {k: [dict(r) for r in v] for k, v in rules.items()}
                return Answer(True)

        return self._answer(COMMAND_SECURITY_RULES, mock, work)

    def reboot_vm(self, guid: str, name: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                if host is None or name not in host.vms:
                    return Answer(False, f"VM {name} is not running on {guid}")
                return Answer(True)

        return self._answer(COMMAND_REBOOT, mock, work)

    def migrate_vm(
        self, source_guid: str, dest_guid: str, name: str, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                src, dst = self._live(source_guid), self._live(dest_guid)
                if src is None or dst is None:
                    return Answer(False, "source or destination host does not answer")
                vm = src.vms.get(name)
                if vm is None:
                    return Answer(False, f"VM {name} is not on {source_guid}")
                if vm.memory > dst.memory - dst.memory_used:
                    return Answer(False, f"not enough memory on {dst.name} for {name}")
                dst.vms[name] = src.vms.pop(name)
                return Answer(True)

        return self._answer(COMMAND_MIGRATE, mock, work)

    def vm_power_states(self, guid: str) -> dict[str, str]:
        with self.world.lock:
            return {n: v.power for n, v in self._host(guid).vms.items()}

    # -- storage -----------------------------------------------------------------------
    def _pool(self, spec: PoolSpec) -> SimPool:
        pool = self.world.pools.get(spec.uuid)
        if pool is None:
            pool = SimPool(spec.uuid, spec.capacity_bytes or POOL_DEFAULT_CAPACITY)
            self.world.pools[spec.uuid] = pool
        return pool

    def attach_pool(self, guid: str, pool: PoolSpec, mock: Mock | None = None) -> PoolStats:
        answer = self._answer(COMMAND_MODIFY_POOL, mock, lambda: Answer(True))
        if not answer.ok:
            raise DriverError(answer.details or "Simulated failure")
        with self.world.lock:
            sim = self._pool(pool)
            if guid:
                self._host(guid).pools.add(pool.uuid)
            return PoolStats(sim.capacity, sim.used)

    def create_volume(
        self, pool: PoolSpec, name: str, size: int, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                sim = self._pool(pool)
                if sim.used + size > sim.capacity:
                    return Answer(False, f"pool {pool.uuid} is full")
                path = str(uuid.uuid4())
                sim.volumes[path] = size
                return Answer(True, "", {"path": path})

        return self._answer(COMMAND_CREATE_VOLUME, mock, work)

    def destroy_volume(self, pool: PoolSpec, path: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                self._pool(pool).volumes.pop(path, None)
                return Answer(True)

        return self._answer(COMMAND_DESTROY_VOLUME, mock, work)

    def create_snapshot(self, pool: PoolSpec, path: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                size = self._pool(pool).volumes.get(path)
                if size is None:
                    return Answer(False, f"volume {path} does not exist on pool {pool.uuid}")
                snap = str(uuid.uuid4())
                self.world.snapshots[snap] = (pool.uuid, path, size)
                return Answer(True, "", {"path": snap, "size": size})

        return self._answer(COMMAND_CREATE_SNAPSHOT, mock, work)

    def revert_snapshot(
        self, pool: PoolSpec, path: str, snapshot: str, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                snap = self.world.snapshots.get(snapshot)
                if snap is None:
                    return Answer(False, f"snapshot {snapshot} does not exist")
                if path not in self._pool(pool).volumes:
                    return Answer(False, f"volume {path} does not exist on pool {pool.uuid}")
                self._pool(pool).volumes[path] = snap[2]
                return Answer(True)

        return self._answer(COMMAND_REVERT_SNAPSHOT, mock, work)

    def delete_snapshot(self, snapshot: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                self.world.snapshots.pop(snapshot, None)
                return Answer(True)

        return self._answer(COMMAND_DELETE_SNAPSHOT, mock, work)

    def create_vm_snapshot(
        self,
        guid: str,
        vm_name: str,
        disks: list[tuple[PoolSpec, str]],
        memory: bool,
        mock: Mock | None = None,
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                if host is None:
                    return Answer(False, f"host {guid} does not answer")
                running = host.vms.get(vm_name)
                if memory and (running is None or running.power != "Running"):
                    return Answer(False, f"VM {vm_name} is not running on {host.name}")
                held: dict[tuple[str, str], int] = {}
                for pool, path in disks:
                    size = self._pool(pool).volumes.get(path)
                    if size is None:
                        return Answer(False, f"volume {path} does not exist on pool {pool.uuid}")
                    held[(pool.uuid, path)] = size
                snap = str(uuid.uuid4())
                self.world.vm_snapshots[snap] = SimVmSnapshot(vm_name, held, memory)
                return Answer(True, "", {"path": snap})

        return self._answer(COMMAND_CREATE_VM_SNAPSHOT, mock, work)

    def revert_vm_snapshot(
        self, guid: str, vm_name: str, snapshot: str, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                host = self._live(guid)
                snap = self.world.vm_snapshots.get(snapshot)
                if host is None or snap is None:
                    return Answer(False, f"host {guid} or VM snapshot {snapshot} is gone")
                running = host.vms.get(vm_name)
                if snap.memory != (running is not None):
                    # Memory goes back into a running VM; disks only under a stopped one.
                    want = "running" if snap.memory else "stopped"
                    return Answer(False, f"VM {vm_name} must be {want} on {host.name}")
                for (pool_uuid, path), size in snap.disks.items():
                    pool = self.world.pools.get(pool_uuid)
                    if pool is None or path not in pool.volumes:
                        return Answer(False, f"volume {path} is gone from pool {pool_uuid}")
                    pool.volumes[path] = size
                return Answer(True, "", {"power": "Running" if snap.memory else "Stopped"})

        return self._answer(COMMAND_REVERT_VM_SNAPSHOT, mock, work)

    def delete_vm_snapshot(self, guid: str, snapshot: str, mock: Mock | None = None) -> Answer:
        def work() -> Answer:
            with self.world.lock:
                self.world.vm_snapshots.pop(snapshot, None)
                return Answer(True)

        return self._answer(COMMAND_DELETE_VM_SNAPSHOT, mock, work)

    def image_store_stats(self, url: str) -> PoolStats:
        return PoolStats(IMAGE_STORE_CAPACITY, 0)

    def download_template(
        self, url: str, store_url: str, done_pct: int, mock: Mock | None = None
    ) -> Answer:
        def work() -> Answer:
            pct = min(100, done_pct + self.download_step_pct)
            name = url.rstrip("/").rsplit("/", 1)[-1] or "template"
            # A stable, plausible virtual size derived from the URL.
            size = (2 + sum(url.encode()) % 8) * 1024**3
            path = f"template/tmpl/{uuid.uuid5(uuid.NAMESPACE_URL, url)}/{name}"
            return Answer(True, "", {"pct": pct, "size": size, "install_path": path})

        return self._answer(COMMAND_DOWNLOAD, mock, work)


def _nic_record(nic: NicSpec) -> dict[str, Any]:
    return {
        "ip": nic.ip,
        "network": nic.network,
        "device_id": nic.device_id,
        "default": nic.default,
        "netmask": nic.netmask,
        "gateway": nic.gateway,
    }


def _sim_host(spec: HostSpec) -> SimHost:
    return SimHost(spec.guid, spec.name, spec.cpus, spec.speed, spec.memory, spec.local_storage)
