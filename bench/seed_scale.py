"""Bulk-seed a cumulo database at cloud scale for list benchmarks.

At --scale 1: 25,000 hosts, 25,000 accounts (in 50 domains), 25,000 isolated
networks, 100,000 user VMs (each with a NIC and a ROOT volume) and 200,000
volumes in all (a DATA volume per VM). Rows are written with SQLAlchemy Core
bulk inserts in large batches and are consistent: every row has its owner's
domain_path, VMs sit on Up hosts whose allocated CPU/memory counters add up,
and each account's resource counts match what it owns.

    python bench/seed_scale.py --data-dir /tmp/scale [--scale 0.1] [--url mysql+pymysql://...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, update

from cumulo.cli.context import deploy_schema
from cumulo.db import keyword_index
from cumulo.db.base import Base
from cumulo.runtime import Runtime
from cumulo.settings import Settings

BATCH = 5000
# The seeded hosts belong to an owner that is no node, on a lease that does not
# run out: no management node adopts or pings them (there is no simulator
# state behind them), so the benchmark measures the lists, not 25,000 connects.
FAR = datetime(2100, 1, 1, tzinfo=UTC)
SEED_OWNER = 1
HOSTS_PER_CLUSTER, CLUSTERS_PER_POD, DOMAINS = 20, 25, 50
VM_CPU, VM_SPEED, VM_MEM = 1, 500, 512
ROOT_GB, DATA_GB = 8, 20
VNI0 = 10_000
# CloudStack's resource type numbers (services.limits.ResourceType).
USER_VM, VOLUME, NETWORK, CPU, MEMORY, PRIMARY_STORAGE = 0, 2, 6, 8, 9, 10
COUNTED = (USER_VM, VOLUME, NETWORK, CPU, MEMORY, PRIMARY_STORAGE)


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Seeder:
    def __init__(self, rt: Runtime, scale: float) -> None:
        self.rt = rt
        self.engine = rt.db.engine
        self.n_hosts = max(1, int(25_000 * scale))
        self.n_accounts = max(1, int(25_000 * scale))
        self.n_vms = max(1, int(100_000 * scale))
        self.now = datetime.now(UTC)
        self.counts: dict[str, int] = {}

    def next_id(self, name: str) -> int:
        with self.engine.connect() as c:
            return int(c.execute(select(func.coalesce(func.max(table(name).c.id), 0))).scalar()) + 1

    def put(self, name: str, rows: Iterator[dict[str, Any]]) -> None:
        t0 = time.monotonic()
        n = 0
        for chunk in batches(rows):
            with self.engine.begin() as c:
                c.execute(insert(table(name)), chunk)
            n += len(chunk)
        self.counts[name] = self.counts.get(name, 0) + n
        print(f"  {name:<16} {n:>8} rows in {time.monotonic() - t0:6.1f}s", flush=True)

    def row(self, **values: Any) -> dict[str, Any]:
        return {"uuid": str(uuid.uuid4()), "created": self.now, **values}

    def lookup(self, table_name: str, **where: Any) -> int:
        t = table(table_name)
        stmt = select(func.min(t.c.id)).where(*(t.c[k] == v for k, v in where.items()))
        with self.engine.connect() as c:
            found = c.execute(stmt).scalar()
        if found is None:
            raise SystemExit(f"seed needs a {table_name} row matching {where}; bootstrap it first")
        return int(found)

    def run(self) -> dict[str, int]:
        with keyword_index.rebuilt_after(self.engine):
            self.seed_infra()
            self.seed_owners()
            self.seed_networks()
            self.seed_vms()
            self.seed_counts()
        return self.counts

    # -- infrastructure -------------------------------------------------------------
    def seed_infra(self) -> None:
        self.zone_id = self.next_id("zone")
        self.put(
            "zone",
            iter(
                [
                    self.row(
                        id=self.zone_id,
                        name=f"scale-zone-{self.zone_id}",
                        network_type="Advanced",
                        dns1="10.147.28.6",
                        internal_dns1="10.147.28.6",
                        zone_token=str(uuid.uuid4()),
                        allocation_state="Enabled",
                    )
                ]
            ),
        )
        n_clusters = -(-self.n_hosts // HOSTS_PER_CLUSTER)
        n_pods = -(-n_clusters // CLUSTERS_PER_POD)
        pod0, cl0, pool0 = (
            self.next_id("pod"),
            self.next_id("cluster"),
            self.next_id("storage_pool"),
        )
        self.put(
            "pod",
            (
                self.row(
                    id=pod0 + p,
                    zone_id=self.zone_id,
                    name=f"scale-pod-{p}",
                    gateway=f"10.{p % 256}.0.1",
                    netmask="255.255.0.0",
                )
                for p in range(n_pods)
            ),
        )
        self.cluster_pod = [pod0 + c // CLUSTERS_PER_POD for c in range(n_clusters)]
        self.put(
            "cluster",
            (
                self.row(
                    id=cl0 + c,
                    zone_id=self.zone_id,
                    pod_id=self.cluster_pod[c],
                    name=f"scale-cluster-{c}",
                    hypervisor="Simulator",
                )
                for c in range(n_clusters)
            ),
        )
        self.pool_ids = [pool0 + i for i in range(2 * n_clusters)]
        # Pool 2c holds the ROOT volumes of cluster c's VMs, pool 2c+1 their DATA volumes.
        per_cluster = [0] * n_clusters
        for v in range(self.n_vms):
            per_cluster[(v % self.n_hosts) // HOSTS_PER_CLUSTER] += 1
        self.put(
            "storage_pool",
            (
                self.row(
                    id=pool0 + i,
                    zone_id=self.zone_id,
                    pod_id=self.cluster_pod[i // 2],
                    cluster_id=cl0 + i // 2,
                    name=f"scale-ps-{i}",
                    scope="CLUSTER",
                    pool_type="NetworkFilesystem",
                    url=f"nfs://10.0.0.1/scale/ps{i}",
                    host_address="10.0.0.1",
                    path=f"/scale/ps{i}",
                    capacity_bytes=100 * 2**40,
                    allocated_bytes=per_cluster[i // 2] * (DATA_GB if i % 2 else ROOT_GB) * 2**30,
                    status="Up",
                )
                for i in range(2 * n_clusters)
            ),
        )
        self.host0 = self.next_id("host")
        self.host_cluster = [cl0 + h // HOSTS_PER_CLUSTER for h in range(self.n_hosts)]
        per_host = [0] * self.n_hosts
        for v in range(self.n_vms):
            per_host[v % self.n_hosts] += 1
        self.put("host", (self._host(h, per_host[h]) for h in range(self.n_hosts)))

    def _host(self, h: int, vms: int) -> dict[str, Any]:
        cluster = self.host_cluster[h]
        return self.row(
            id=self.host0 + h,
            name=f"scale-host-{h}",
            type="Routing",
            status="Up",
            resource_state="Enabled",
            hypervisor="Simulator",
            hypervisor_version="4.20",
            zone_id=self.zone_id,
            pod_id=self.cluster_pod[cluster - self.host_cluster[0]],
            cluster_id=cluster,
            guid=str(uuid.uuid4()),
            url=f"http://sim/scale/h{h}",
            private_ip=f"10.{(h >> 16) & 255}.{(h >> 8) & 255}.{h & 255}",
            private_netmask="255.0.0.0",
            cpu_sockets=2,
            cpus=32,
            speed=2500,
            total_memory=512 * 2**30,
            cpu_allocated=vms * VM_CPU * VM_SPEED,
            memory_allocated=vms * VM_MEM * 2**20,
            cpu_used_mhz=vms * VM_CPU * VM_SPEED,
            memory_used=vms * VM_MEM * 2**20,
            mgmt_server_msid=SEED_OWNER,
            lease_expires=FAR,
        )

    # -- owners -----------------------------------------------------------------------
    def seed_owners(self) -> None:
        dom0 = self.next_id("domain")
        root_path = "/"
        n_domains = min(DOMAINS, self.n_accounts)
        tag = f"s{dom0}"
        self.domain_paths = [f"{root_path}{tag}-d{d}/" for d in range(n_domains)]
        self.domain_ids = [dom0 + d for d in range(n_domains)]
        self.put(
            "domain",
            (
                self.row(
                    id=dom0 + d, parent_id=1, name=f"{tag}-d{d}", path=self.domain_paths[d], level=1
                )
                for d in range(n_domains)
            ),
        )
        with self.engine.begin() as c:
            c.execute(
                update(table("domain"))
                .where(table("domain").c.id == 1)
                .values(child_count=table("domain").c.child_count + n_domains)
            )
        role = self.lookup("role", name="User")
        self.acct0 = self.next_id("account")
        self.put(
            "account",
            (
                self.row(
                    id=self.acct0 + a,
                    name=f"scale-{tag}-a{a}",
                    type=0,
                    role_id=role,
                    domain_id=self.domain_ids[a % n_domains],
                    state="enabled",
                )
                for a in range(self.n_accounts)
            ),
        )
        user0 = self.next_id("user")
        self.put(
            "user",
            (
                self.row(
                    id=user0 + a,
                    username=f"scale-{tag}-u{a}",
                    password="!",
                    account_id=self.acct0 + a,
                    domain_id=self.domain_ids[a % n_domains],
                    firstname="scale",
                    lastname=str(a),
                    state="enabled",
                )
                for a in range(self.n_accounts)
            ),
        )

    def owner(self, a: int) -> dict[str, Any]:
        d = a % len(self.domain_ids)
        return {
            "account_id": self.acct0 + a,
            "domain_id": self.domain_ids[d],
            "domain_path": self.domain_paths[d],
        }

    # -- networks, VMs, NICs, volumes -----------------------------------------------------
    def seed_networks(self) -> None:
        offering = self.lookup("network_offering", guest_ip_type="Isolated")
        self.net0 = self.next_id("network")
        # 25,000 isolated networks need more ids than VLANs exist: VXLAN, one VNI each,
        # claimed in guest_vnet as the network service claims them.
        pnet = self.next_id("physical_network")
        self.put(
            "physical_network",
            iter(
                [
                    self.row(
                        id=pnet,
                        zone_id=self.zone_id,
                        name=f"scale-pnet-{pnet}",
                        state="Enabled",
                        isolation_methods="VXLAN",
                    )
                ]
            ),
        )
        self.put(
            "guest_vlan_range",
            iter(
                [
                    self.row(
                        physical_network_id=pnet,
                        zone_id=self.zone_id,
                        start=VNI0,
                        end=VNI0 + self.n_accounts - 1,
                    )
                ]
            ),
        )
        self.put(
            "network",
            (
                self.row(
                    id=self.net0 + a,
                    name=f"scale-net-{a}",
                    display_text=f"scale-net-{a}",
                    zone_id=self.zone_id,
                    network_offering_id=offering,
                    traffic_type="Guest",
                    guest_type="Isolated",
                    state="Implemented",
                    cidr="10.1.1.0/24",
                    gateway="10.1.1.1",
                    netmask="255.255.255.0",
                    broadcast_uri=f"vxlan://{VNI0 + a}",
                    physical_network_id=pnet,
                    **self.owner(a),
                )
                for a in range(self.n_accounts)
            ),
        )
        self.put(
            "guest_vnet",
            (
                self.row(
                    physical_network_id=pnet,
                    zone_id=self.zone_id,
                    vnet=VNI0 + a,
                    network_id=self.net0 + a,
                )
                for a in range(self.n_accounts)
            ),
        )

    def seed_vms(self) -> None:
        offering = self.lookup("service_offering", is_system=False)
        vm0, nic0, vol0 = self.next_id("vm_instance"), self.next_id("nic"), self.next_id("volume")
        self.vm0 = vm0
        self.put("vm_instance", (self._vm(vm0, v, offering) for v in range(self.n_vms)))
        self.put(
            "nic",
            (
                self.row(
                    id=nic0 + v,
                    instance_id=vm0 + v,
                    instance_type="User",
                    network_id=self.net0 + v % self.n_accounts,
                    mac_address=f"02:{(nic0 + v) >> 24 & 255:02x}:{(nic0 + v) >> 16 & 255:02x}:"
                    f"{(nic0 + v) >> 8 & 255:02x}:{(nic0 + v) & 255:02x}:5c",
                    ip4_address=self._ip(v // self.n_accounts),
                    netmask="255.255.255.0",
                    gateway="10.1.1.1",
                    device_id=0,
                    is_default=True,
                    state="Reserved",
                )
                for v in range(self.n_vms)
            ),
        )
        self.put("volume", (self._volume(vol0, v, root=True) for v in range(self.n_vms)))
        self.put(
            "volume", (self._volume(vol0 + self.n_vms, v, root=False) for v in range(self.n_vms))
        )

    @staticmethod
    def _ip(k: int) -> str:
        k += 2  # .1 is the gateway
        return f"10.1.{1 + k // 250}.{k % 250 + 2}"

    def _vm(self, vm0: int, v: int, offering: int) -> dict[str, Any]:
        h = v % self.n_hosts
        a = v % self.n_accounts
        return self.row(
            id=vm0 + v,
            instance_name=f"i-{self.acct0 + a}-{vm0 + v}-VM",
            name=f"scale-vm-{v}",
            display_name=f"scale-vm-{v}",
            vm_type="User",
            state="Running",
            zone_id=self.zone_id,
            pod_id=self.cluster_pod[self.host_cluster[h] - self.host_cluster[0]],
            cluster_id=self.host_cluster[h],
            host_id=self.host0 + h,
            hypervisor="Simulator",
            service_offering_id=offering,
            cpu_number=VM_CPU,
            cpu_speed=VM_SPEED,
            memory_mb=VM_MEM,
            **self.owner(a),
        )

    def _volume(self, vol0: int, v: int, root: bool) -> dict[str, Any]:
        a = v % self.n_accounts
        h = v % self.n_hosts
        cluster_index = self.host_cluster[h] - self.host_cluster[0]
        pool = self.pool_ids[2 * cluster_index + (0 if root else 1)]
        return self.row(
            id=vol0 + v,
            name=f"{'ROOT' if root else 'DATA'}-{self.vm0 + v}",
            volume_type="ROOT" if root else "DATADISK",
            state="Ready",
            size=(ROOT_GB if root else DATA_GB) * 2**30,
            zone_id=self.zone_id,
            pool_id=pool,
            instance_id=self.vm0 + v if root else None,
            device_id=0 if root else None,
            path=str(uuid.uuid4()),
            format="QCOW2",
            provisioning_type="thin",
            **self.owner(a),
        )

    # -- counters ---------------------------------------------------------------------------
    def seed_counts(self) -> None:
        """Account counts, and the same sums on each seeded domain and on ROOT."""
        per: dict[int, dict[int, int]] = {}
        for v in range(self.n_vms):
            c = per.setdefault(v % self.n_accounts, dict.fromkeys(COUNTED, 0))
            c[USER_VM] += 1
            c[VOLUME] += 2
            c[CPU] += VM_CPU
            c[MEMORY] += VM_MEM
            c[PRIMARY_STORAGE] += (ROOT_GB + DATA_GB) * 2**30
        by_domain: dict[int, dict[int, int]] = {}
        rows: list[dict[str, Any]] = []
        for a in range(self.n_accounts):
            values = per.get(a, dict.fromkeys(COUNTED, 0))
            values[NETWORK] = 1
            domain = by_domain.setdefault(self.owner(a)["domain_id"], dict.fromkeys(COUNTED, 0))
            for rtype, n in values.items():
                domain[rtype] += n
                rows.append(self._count("account", self.acct0 + a, rtype, n))
        for domain_id, values in by_domain.items():
            rows += [self._count("domain", domain_id, t, n) for t, n in values.items()]
        self.put("resource_count", iter(rows))
        self._add_to_root({t: sum(v[t] for v in by_domain.values()) for t in COUNTED})

    @staticmethod
    def _count(owner_type: str, owner_id: int, rtype: int, n: int) -> dict[str, Any]:
        return {"owner_type": owner_type, "owner_id": owner_id, "resource_type": rtype, "count": n}

    def _add_to_root(self, totals: dict[int, int]) -> None:
        """ROOT may already count the bootstrap's own resources: add to its rows."""
        t = table("resource_count")
        with self.engine.begin() as c:
            for rtype, n in totals.items():
                where = (t.c.owner_type == "domain", t.c.owner_id == 1, t.c.resource_type == rtype)
                if c.execute(update(t).where(*where).values(count=t.c.count + n)).rowcount == 0:
                    c.execute(insert(t), [self._count("domain", 1, rtype, n)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", required=True, help="cumulo data dir (SQLite file, cluster key)")
    ap.add_argument("--url", default="", help="database URL (default: SQLite in --data-dir)")
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 instances")
    args = ap.parse_args(argv)
    os.environ.setdefault("CUMULO_PASSWORD_HASH_MEMORY_KIB", "1024")
    os.environ.setdefault("CUMULO_PASSWORD_HASH_TIME_COST", "1")
    settings = Settings(data_dir=Path(args.data_dir), database_url=args.url, node_name="seed")  # type: ignore[call-arg]
    t0 = time.monotonic()
    _, creds = deploy_schema(settings)
    if creds:
        print(f"admin password: {creds.password}")
    rt = Runtime.open(settings)
    try:
        print(f"seeding scale {args.scale} into {rt.db.url}", flush=True)
        counts = Seeder(rt, args.scale).run()
    finally:
        rt.close()
    print(f"done in {time.monotonic() - t0:.1f}s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
