"""The inventory: one TOML file describing a whole HA deployment.

Everything ``cumulo cluster render``, ``lab`` and ``doctor`` need comes from
here. Validation errors name the field and say what to change, because an
operator reads them before any daemon does.
"""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEBIAN_GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Network(_Strict):
    cidr: ipaddress.IPv4Network = Field(description="e.g. 192.168.1.0/24")

    @property
    def prefix(self) -> int:
        return self.cidr.prefixlen


class Vip(_Strict):
    address: ipaddress.IPv4Address
    network: str = Field(description="name of a [networks.*] entry")
    vrid: int = Field(ge=1, le=255, description="VRRP virtual_router_id, unique per network")


class Host(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    # Address of this host on each network it is attached to.
    addresses: dict[str, ipaddress.IPv4Address]
    # Interface carrying each network (keepalived binds its VRRP instance there).
    interfaces: dict[str, str] = Field(default_factory=dict)

    def address(self, network: str) -> str:
        return str(self.addresses[network])

    def interface(self, network: str) -> str:
        return self.interfaces.get(network, "eth0")


class ManagementNode(Host):
    # True when this manager also runs a Galera node (the 3-manager topology).
    galera: bool = False


class LoadBalancer(Host):
    priority: int = Field(ge=1, le=254, description="VRRP priority; the highest is MASTER")


class Arbitrator(Host):
    pass


class Database(_Strict):
    name: str = Field(default="cumulo", pattern=r"^[A-Za-z0-9_]+$")
    user: str = Field(default="cumulo", pattern=r"^[A-Za-z0-9_]+$")
    port: int = 3306
    pool_size: int = Field(default=10, ge=1, description="SQLAlchemy pool size per manager")
    cluster_name: str = "cumulo"
    provider: str = DEBIAN_GALERA_PROVIDER
    sst_method: Literal["rsync", "mariabackup"] = "rsync"
    innodb_lock_wait_timeout: int = 600
    # The single writer (GET_LOCK and certification conflicts); default: first node.
    writer: str | None = None
    clustercheck_port: int = 9200
    gcache_size: str = "128M"
    innodb_buffer_pool_size: str = "1G"


class Web(_Strict):
    http_port: int = 8080
    tls: bool = False
    https_port: int = 8443
    # PEM with certificate + key, read by HAProxy when tls = true.
    tls_certificate: str = "/etc/haproxy/cumulo.pem"
    agent_port: int = 8250
    stats_port: int = 8404


class Timers(_Strict):
    """Failover timers; defaults are the ones ha-lab measured as fast and safe."""

    vrrp_advert_int: float = Field(default=1.0, gt=0)
    track_interval: int = Field(default=1, ge=1)
    track_fall: int = Field(default=2, ge=1)
    track_rise: int = Field(default=2, ge=1)
    check_inter_ms: int = Field(default=1000, ge=100)
    check_fastinter_ms: int = Field(default=500, ge=100)
    check_fall: int = Field(default=2, ge=1)
    check_rise: int = Field(default=2, ge=1)
    # Galera's PT5S/PT15S defaults double the write outage after a node loss.
    evs_suspect_timeout: float = Field(default=2.0, gt=0)
    evs_inactive_timeout: float = Field(default=4.0, gt=0)
    evs_keepalive_period: float = Field(default=0.5, gt=0)
    evs_inactive_check_period: float = Field(default=0.5, gt=0)
    heartbeat_interval: float = Field(default=1.0, gt=0)
    # A kill -9 is noticed 3-4 s later (the last heartbeat was up to 1 s before): <= 5 s.
    heartbeat_threshold: float = Field(default=4.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Timers:
        if not self.evs_keepalive_period < self.evs_suspect_timeout < self.evs_inactive_timeout:
            raise ValueError(
                "timers: Galera needs evs_keepalive_period < evs_suspect_timeout < "
                "evs_inactive_timeout; raise evs_inactive_timeout or lower the others"
            )
        if self.heartbeat_threshold <= 2 * self.heartbeat_interval:
            raise ValueError(
                "timers: heartbeat_threshold must be more than twice heartbeat_interval, "
                "or one late heartbeat declares a live node Down"
            )
        return self


class Inventory(_Strict):
    name: str = Field(default="cumulo", pattern=r"^[A-Za-z0-9_-]+$")
    networks: dict[str, Network]
    vips: dict[Literal["web", "db"], Vip]
    management: list[ManagementNode] = Field(min_length=1)
    galera: list[Host] = Field(default_factory=list)
    load_balancers: list[LoadBalancer] = Field(min_length=1)
    arbitrator: Arbitrator | None = None
    database: Database = Field(default_factory=Database)
    web: Web = Field(default_factory=Web)
    timers: Timers = Field(default_factory=Timers)
    # Generated passwords and VRRP secrets; relative paths are next to the inventory.
    secrets_file: str | None = None

    # -- derived views --------------------------------------------------------

    @property
    def galera_nodes(self) -> list[Host]:
        """Every Galera data node, managers that carry one first."""
        return [m for m in self.management if m.galera] + list(self.galera)

    @property
    def writer(self) -> Host:
        nodes = self.galera_nodes
        wanted = self.database.writer or nodes[0].name
        return next(n for n in nodes if n.name == wanted)

    @property
    def web_net(self) -> str:
        return self.vips["web"].network

    @property
    def db_net(self) -> str:
        return self.vips["db"].network

    @property
    def hosts(self) -> dict[str, Host]:
        """Every distinct host by name (a manager that is a Galera node appears once)."""
        out: dict[str, Host] = {}
        groups: list[list[Host]] = [
            list(self.management),
            list(self.galera),
            list(self.load_balancers),
            [self.arbitrator] if self.arbitrator else [],
        ]
        for group in groups:
            for h in group:
                out.setdefault(h.name, h)
        return out

    def roles(self, name: str) -> list[str]:
        roles = []
        if any(m.name == name for m in self.management):
            roles.append("management")
        if any(g.name == name for g in self.galera_nodes):
            roles.append("galera")
        if any(lb.name == name for lb in self.load_balancers):
            roles.append("lb")
        if self.arbitrator and self.arbitrator.name == name:
            roles.append("arbitrator")
        return roles

    # -- validation -----------------------------------------------------------

    @model_validator(mode="after")
    def _consistent(self) -> Inventory:
        self._check_vips()
        self._check_hosts()
        self._check_galera()
        prios = [lb.priority for lb in self.load_balancers]
        if len(set(prios)) != len(prios):
            raise ValueError(
                "load_balancers: two load balancers have the same priority; give the "
                "intended MASTER the highest (e.g. 101 and 100)"
            )
        return self

    def _check_vips(self) -> None:
        seen: set[tuple[str, int]] = set()
        for role, vip in self.vips.items():
            net = self.networks.get(vip.network)
            if net is None:
                raise ValueError(
                    f"vips.{role}.network: no network {vip.network!r}; "
                    f"declare it under [networks.{vip.network}] or use one of "
                    f"{sorted(self.networks)}"
                )
            if vip.address not in net.cidr:
                raise ValueError(f"vips.{role}.address: {vip.address} is not inside {net.cidr}")
            if (vip.network, vip.vrid) in seen:
                raise ValueError(
                    f"vips.{role}.vrid: {vip.vrid} is already used on network {vip.network}; "
                    "each VRRP instance of one network needs its own virtual_router_id"
                )
            seen.add((vip.network, vip.vrid))
        if "web" not in self.vips or "db" not in self.vips:
            raise ValueError("vips: declare both [vips.web] and [vips.db]")

    def _check_hosts(self) -> None:
        for kind, group in (
            ("management", self.management),
            ("galera", self.galera),
            ("load_balancers", self.load_balancers),
        ):
            names = [h.name for h in group]
            dupes = {n for n in names if names.count(n) > 1}
            if dupes:
                raise ValueError(f"{kind}: host name(s) {sorted(dupes)} appear twice")
        used: dict[str, str] = {}
        for host in self.hosts.values():
            for net_name, addr in host.addresses.items():
                net = self.networks.get(net_name)
                if net is None:
                    raise ValueError(
                        f"{host.name}.addresses.{net_name}: no such network; "
                        f"known networks are {sorted(self.networks)}"
                    )
                if addr not in net.cidr:
                    raise ValueError(
                        f"{host.name}.addresses.{net_name}: {addr} is not inside {net.cidr}"
                    )
                if str(addr) in used and used[str(addr)] != host.name:
                    raise ValueError(
                        f"{host.name}.addresses.{net_name}: {addr} is already {used[str(addr)]}'s"
                    )
                used[str(addr)] = host.name
        for vip in self.vips.values():
            if str(vip.address) in used:
                raise ValueError(
                    f"vips: {vip.address} is also the address of {used[str(vip.address)]}; "
                    "a VIP must be an otherwise unused address"
                )
        self._require_net(self.management, self.web_net, "management")
        self._require_net(self.load_balancers, self.web_net, "load_balancers")
        self._require_net(self.load_balancers, self.db_net, "load_balancers")

    def _require_net(self, hosts: list, net: str, kind: str) -> None:  # type: ignore[type-arg]
        for h in hosts:
            if net not in h.addresses:
                raise ValueError(
                    f"{kind}: {h.name} has no address on network {net!r}; add "
                    f'addresses.{net} = "..." to it'
                )

    def _check_galera(self) -> None:
        nodes = self.galera_nodes
        if not nodes:
            raise ValueError(
                "galera: no database node; set galera = true on managers that run "
                "MariaDB or list [[galera]] hosts"
            )
        self._require_net(nodes, self.db_net, "galera")
        if self.arbitrator is not None:
            self._require_net([self.arbitrator], self.db_net, "arbitrator")
        members = len(nodes) + (1 if self.arbitrator else 0)
        if members == 2:
            raise ValueError(
                "galera: two members cannot keep quorum when one fails; add a third "
                "Galera node or an [arbitrator] (garbd)"
            )
        if members > 1 and members % 2 == 0:
            raise ValueError(
                f"galera: {members} members can split into two equal halves and stop; "
                "use an odd number (add or remove a node, or add an [arbitrator])"
            )
        if self.database.writer and self.database.writer not in {n.name for n in nodes}:
            raise ValueError(
                f"database.writer: {self.database.writer!r} is not a Galera node; "
                f"use one of {[n.name for n in nodes]}"
            )

    @property
    def max_connections(self) -> int:
        """Every manager may open pool_size + overflow (= 2 x pool) connections to the writer."""
        return len(self.management) * self.database.pool_size * 2 + 50


class InventoryError(Exception):
    """The inventory file cannot be used; the message lists what to fix."""


def load_inventory(path: Path) -> Inventory:
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InventoryError(f"inventory {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Inventory.model_validate(data)
    except ValidationError as exc:
        raise InventoryError(f"{path}:\n" + explain(exc)) from None


def explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling (see examples/)"
        elif err["type"] == "missing":
            msg = "required; add it"
        lines.append(f"  {loc}: {msg}")
    return "\n".join(lines)


def secrets_path(inventory_path: Path, inv: Inventory) -> Path:
    if inv.secrets_file:
        p = Path(inv.secrets_file)
        return p if p.is_absolute() else inventory_path.parent / p
    return inventory_path.with_name(inventory_path.stem + ".secrets.toml")
