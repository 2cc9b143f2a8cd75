"""Measure placement and VM listing at scale on SQLite.

    .venv/bin/python tools/bench_placement.py [--hosts 25000] [--vms 100000] [--runs 200]

Builds a throw-away database with one zone, 50 pods x 10 clusters and N hosts
(rows inserted directly), then times ``planner.place`` (query + reservation,
each in its own transaction, released again) and a listVirtualMachines-style
page query with its decoration over M VMs. With ``--dedicated`` (default) a
tenth of the clusters and 1,000 further hosts are dedicated to one account and
placement is timed again for a VM of another owner and for one of that
account with its ExplicitDedication group.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.cloud import test_settings

from cumulo.cli.context import deploy_schema
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.dedicated_resource import DedicatedResource
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone
from cumulo.runtime import Runtime
from cumulo.services.placement import capacity, planner
from cumulo.services.placement.dedication import Rule

GiB = 1024**3


def populate(rt: Runtime, hosts: int, vms: int) -> int:
    def work(s):  # type: ignore[no-untyped-def]
        zone = Zone(
            name="z",
            network_type="Advanced",
            dns1="1.1.1.1",
            internal_dns1="1.1.1.1",
            zone_token="t",
            allocation_state="Enabled",
        )
        s.add(zone)
        s.flush()
        clusters = []
        for p in range(50):
            pod = Pod(zone_id=zone.id, name=f"p{p}")
            s.add(pod)
            s.flush()
            for c in range(10):
                cl = Cluster(
                    zone_id=zone.id, pod_id=pod.id, name=f"c{p}-{c}", hypervisor="Simulator"
                )
                s.add(cl)
                s.flush()
                clusters.append((pod.id, cl.id))
                s.add(
                    StoragePool(
                        name=f"ps{p}-{c}",
                        zone_id=zone.id,
                        pod_id=pod.id,
                        cluster_id=cl.id,
                        scope="CLUSTER",
                        pool_type="NetworkFilesystem",
                        url="nfs://x/y",
                        capacity_bytes=100 * 1024 * GiB,
                        status="Up",
                    )
                )
        rows = []
        for i in range(hosts):
            pod_id, cl_id = clusters[i % len(clusters)]
            rows.append(
                dict(
                    name=f"h{i}",
                    type="Routing",
                    status="Up",
                    resource_state="Enabled",
                    hypervisor="Simulator",
                    zone_id=zone.id,
                    pod_id=pod_id,
                    cluster_id=cl_id,
                    guid=f"g{i}",
                    url=f"http://sim/h{i}",
                    cpus=32,
                    speed=2000,
                    total_memory=256 * GiB,
                    cpu_allocated=(i * 7919) % 60000,
                    memory_allocated=((i * 104729) % 200) * GiB,
                    tombstone=0,
                )
            )
        s.execute(insert(Host), rows)
        vm_rows = [
            dict(
                instance_name=f"i-2-{i}-VM",
                name=f"vm{i}",
                zone_id=zone.id,
                state="Running",
                service_offering_id=1,
                account_id=2,
                domain_id=1,
                domain_path="/",
                host_id=(i % hosts) + 1,
                tombstone=0,
            )
            for i in range(vms)
        ]
        for start in range(0, len(vm_rows), 10000):
            s.execute(insert(VMInstance), vm_rows[start : start + 10000])
        return zone.id

    return rt.db.run(work)  # type: ignore[no-any-return]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def dedicate(rt: Runtime, hosts: int) -> int:
    """Every tenth cluster and 1,000 hosts elsewhere to account 2; the group's id."""

    def work(s):  # type: ignore[no-untyped-def]
        group = AffinityGroup(
            name="DedicatedGrp-admin",
            type="ExplicitDedication",
            account_id=2,
            domain_id=1,
            domain_path="/",
        )
        s.add(group)
        s.flush()
        owner = dict(domain_id=1, domain_path="/", account_id=2, affinity_group_id=group.id)
        clusters = s.execute(select(Cluster.id).order_by(Cluster.id)).scalars().all()
        dedicated = set(clusters[::10])
        rows = [dict(cluster_id=c, **owner) for c in dedicated]
        free = s.execute(
            select(Host.id).where(Host.cluster_id.not_in(dedicated)).order_by(Host.id)
        ).scalars()
        rows += [dict(host_id=h, **owner) for h in list(free)[:: max(hosts // 1000, 1)][:1000]]
        s.execute(insert(DedicatedResource), rows)
        return group.id

    return rt.db.run(work)  # type: ignore[no-any-return]


def bench_place(rt: Runtime, zone_id: int, runs: int, rule: Rule | None = None) -> list[float]:
    need = planner.Need(
        zone_id=zone_id,
        cpu_number=2,
        cpu_speed=1000,
        memory_mb=4096,
        disk_bytes=20 * GiB,
        dedication=rule,
    )
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        placed = rt.db.run(lambda s: planner.place(s, rt.config, need))
        times.append((time.perf_counter() - t0) * 1000)
        assert placed is not None

        def undo(s, p=placed):  # type: ignore[no-untyped-def]
            capacity.release_host(s, p.host_id, need.cpu_mhz, need.memory_bytes)
            capacity.release_pool(s, p.pool_id, need.disk_bytes)

        rt.db.run(undo)
    return times


def bench_list(rt: Runtime, runs: int, vms: int) -> list[float]:
    from cumulo.api.context import Caller
    from cumulo.api.roles import RoleType
    from cumulo.api.views.vm import vm_items

    caller = Caller(1, "u", "admin", 2, "a", "admin", 1, 1, "d", "/", 1, RoleType.ADMIN)
    times = []
    for i in range(runs):
        t0 = time.perf_counter()

        def page(s, i=i):  # type: ignore[no-untyped-def]
            stmt = select(VMInstance).where(
                VMInstance.account_id == 2, VMInstance.removed.is_(None)
            )
            rows = (
                s.execute(
                    stmt.order_by(VMInstance.id).offset((i * 500) % max(vms - 500, 1)).limit(500)
                )
                .scalars()
                .all()
            )
            return vm_items(s, list(rows), caller)

        items = rt.db.run(page, write=False)
        times.append((time.perf_counter() - t0) * 1000)
        assert len(items) == 500
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=25000)
    ap.add_argument("--vms", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--dedicated", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp))
        deploy_schema(settings)
        rt = Runtime.open(settings)
        t0 = time.perf_counter()
        zone_id = populate(rt, args.hosts, args.vms)
        print(f"populated {args.hosts} hosts, {args.vms} VMs in {time.perf_counter() - t0:.1f}s")
        place = bench_place(rt, zone_id, args.runs)
        print(f"place(): p50 {statistics.median(place):.1f} ms, p95 {p95(place):.1f} ms")
        if args.dedicated:
            group = dedicate(rt, args.hosts)
            for label, rule in (
                ("another owner", Rule(None, True, False)),
                ("explicit dedication", Rule(group, True, False)),
            ):
                times = bench_place(rt, zone_id, args.runs, rule)
                print(
                    f"place() with dedications, {label}: p50 {statistics.median(times):.1f} ms, "
                    f"p95 {p95(times):.1f} ms"
                )
        listing = bench_list(rt, 40, args.vms)
        print(
            f"list 500 of {args.vms} VMs: p50 {statistics.median(listing):.1f} ms, "
            f"p95 {p95(listing):.1f} ms"
        )
        rt.close()


if __name__ == "__main__":
    main()
