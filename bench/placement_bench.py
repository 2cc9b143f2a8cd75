"""Placement decision time on a seeded data dir (25,000 hosts at ``seed_scale --scale 1``).

    python bench/seed_scale.py --data-dir /tmp/scale --scale 1
    python bench/placement_bench.py --data-dir /tmp/scale [-n 50]

In-process, on the node's own engine: each sample picks a random seeded VM
and times the decision a start makes — ``need_for`` (offering, volumes, NICs,
affinity, dedication) and ``planner.place`` (candidate scan, ranking, the
host's and pool's conditional reservations) — in a transaction that is then
rolled back, so every sample sees the same database. Two cases: ``fresh``
(new disks, any host of the zone: the zone-wide candidate scan) and
``restart`` (the seeded VM's disks pin it to their pool's cluster). Prints
wall and CPU p50/p95 in ms (and JSON with --json).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cumulo.db.models.host import Host
from cumulo.db.models.vm import VMInstance
from cumulo.runtime import Runtime
from cumulo.services.placement import planner
from cumulo.services.vms import start
from cumulo.settings import Settings

GiB = 2**30


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def decide(session: Session, rt: Runtime, vm_id: int, fresh: bool) -> planner.Placement | None:
    vm = session.get(VMInstance, vm_id)
    assert vm is not None
    need, _new_disks = start.need_for(session, vm, set(), {})
    if fresh:  # a new VM: its disks are not placed yet, any cluster of the zone will do
        need = replace(need, cluster_id=None, host_id=None, disk_bytes=8 * GiB)
    return planner.place(session, rt.config, need, with_pool=True)


def measure(rt: Runtime, vm_ids: list[int], n: int, fresh: bool) -> dict[str, Any]:
    wall: list[float] = []
    cpu: list[float] = []
    placed = 0
    for i in range(n + 1):
        vm_id = random.choice(vm_ids)
        with Session(rt.db.engine) as session:
            session.begin()
            t0, c0 = time.perf_counter(), time.process_time()
            result = decide(session, rt, vm_id, fresh)
            ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            session.rollback()
        if i == 0:
            continue  # warm-up (statement compilation, caches)
        placed += result is not None
        wall.append(ms)
        cpu.append(cpu_ms)
    return {
        "samples": n,
        "placed": placed,
        "wall_p50": statistics.median(wall),
        "wall_p95": p95(wall),
        "cpu_p50": statistics.median(cpu),
        "cpu_p95": p95(cpu),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--url", default="")
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    settings = Settings(  # type: ignore[call-arg]
        data_dir=Path(args.data_dir), database_url=args.url, node_name="placement-bench"
    )
    rt = Runtime.open(settings)
    try:
        with Session(rt.db.engine) as s:
            hosts = s.execute(select(func.count()).select_from(Host)).scalar_one()
            vm_ids = list(
                s.execute(
                    select(VMInstance.id).where(VMInstance.vm_type == "User").limit(5000)
                ).scalars()
            )
        out: dict[str, Any] = {"hosts": hosts}
        for case, fresh in (("fresh", True), ("restart", False)):
            r = out[case] = measure(rt, vm_ids, args.n, fresh)
            print(
                f"{hosts} hosts, {case:8}: placed {r['placed']}/{r['samples']}  "
                f"wall p50 {r['wall_p50']:.1f} p95 {r['wall_p95']:.1f} ms  "
                f"CPU p50 {r['cpu_p50']:.1f} p95 {r['cpu_p95']:.1f} ms",
                flush=True,
            )
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=2))
    finally:
        rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
