"""The lab's shape: example (a) on private addresses, and where its files live."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cumulo.cluster.inventory import Inventory
from cumulo.cluster.render.layout import Layout

DEFAULT_STATE = Path("/run/cumulo-lab")
DB_NODES = ("db1", "db2", "db3")
LBS = ("lb1", "lb2")
# Packages the lab runs; it never installs them itself.
PACKAGES = {
    "mariadb-server": "mariadbd",
    "galera-4": "/usr/lib/galera/libgalera_smm.so",
    "haproxy": "haproxy",
    "keepalived": "keepalived",
    "iproute2": "ip",
    "rsync": "rsync",
}
LAB_ROOT_PASSWORD = "lab-root-pw"


@dataclass(frozen=True)
class LabConfig:
    state_dir: Path = DEFAULT_STATE
    prefix: str = "cl"
    # Two /24 networks: <net>.1.0/24 (web) and <net>.2.0/24 (db).
    net: str = "10.78"

    def ns(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    @property
    def switch(self) -> str:
        return self.ns("sw")

    @property
    def all_namespaces(self) -> list[str]:
        return [self.ns(h) for h in ("sw", *DB_NODES, *LBS, "client")]

    def host_dir(self, host: str) -> Path:
        return self.state_dir / "hosts" / host

    def layout(self, host: str) -> Layout:
        return Layout.under(self.host_dir(host), cumulo_bin=cumulo_bin())

    @property
    def rendered(self) -> Path:
        return self.state_dir / "rendered"

    def web_addr(self, i: int) -> str:
        return f"{self.net}.1.{i}"

    def db_addr(self, i: int) -> str:
        return f"{self.net}.2.{i}"

    @property
    def web_vip(self) -> str:
        return self.web_addr(100)

    @property
    def db_vip(self) -> str:
        return self.db_addr(100)

    def host_addresses(self, host: str) -> list[str]:
        """Address/prefix pairs of a host's eth0 (both networks share the one bridge)."""
        if host == "client":
            return [f"{self.web_addr(50)}/24"]
        i = _host_index(host)
        return [f"{self.web_addr(i)}/24", f"{self.db_addr(i)}/24"]

    def save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data = {k: str(v) for k, v in asdict(self).items()}
        (self.state_dir / "lab.json").write_text(json.dumps(data))

    @classmethod
    def load(cls, state_dir: Path) -> LabConfig:
        try:
            data = json.loads((state_dir / "lab.json").read_text())
        except FileNotFoundError:
            return cls(state_dir=state_dir)
        return cls(state_dir=Path(data["state_dir"]), prefix=data["prefix"], net=data["net"])


def _host_index(host: str) -> int:
    return {"db1": 11, "db2": 12, "db3": 13, "lb1": 21, "lb2": 22}[host]


def cumulo_bin() -> str:
    local = Path(sys.executable).parent / "cumulo"
    return str(local) if local.exists() else (shutil.which("cumulo") or "cumulo")


def inventory(cfg: LabConfig) -> Inventory:
    """Topology (a): 3 managers that are Galera nodes, 2 LBs, web and DB VIPs."""

    def host(name: str) -> dict[str, Any]:
        i = _host_index(name)
        return {
            "name": name,
            "addresses": {"web": cfg.web_addr(i), "db": cfg.db_addr(i)},
            "interfaces": {"web": "eth0", "db": "eth0"},
        }

    return Inventory.model_validate(
        {
            "name": "cumulo-lab",
            "secrets_file": "secrets.toml",
            "networks": {"web": {"cidr": f"{cfg.net}.1.0/24"}, "db": {"cidr": f"{cfg.net}.2.0/24"}},
            "vips": {
                "web": {"address": cfg.web_vip, "network": "web", "vrid": 52},
                "db": {"address": cfg.db_vip, "network": "db", "vrid": 51},
            },
            "management": [{**host(n), "galera": True} for n in DB_NODES],
            "load_balancers": [
                {**host("lb1"), "priority": 101},
                {**host("lb2"), "priority": 100},
            ],
            "database": {
                # At least a node's request threads (8) plus a few of its job threads:
                # with 5 (+5 overflow) a deploy storm queued requests and jobs on
                # connection checkouts until HAProxy timed them out (docs/failover.md).
                "pool_size": 12,
                "innodb_buffer_pool_size": "128M",
                "gcache_size": "64M",
            },
        }
    )
