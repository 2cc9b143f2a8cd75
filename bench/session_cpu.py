"""Where a served request's CPU goes: per process of the server session, idle vs loaded.

python bench/session_cpu.py [--backend sqlite|mariadb] [--idle 10] [--clients 8]
    [--duration 6] [--commands listDomains,listAccounts] [--workers 2] [--pyspy DIR]

Starts `cumulo serve` like bench/api_bench.py (1,000 domains and accounts
seeded), then reports each process's CPU (parent with node agent and job
runner, each uvicorn worker) over an idle period and over each load run, and
the idle-corrected CPU per request. With ``--pyspy DIR`` each worker is
sampled by py-spy during each load run (collapsed stacks in DIR, for
flamegraphs or ``grep``); py-spy comes from PATH or $PYSPY.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import (  # noqa: E402
    backend_url,
    deploy,
    load,
    seed,
    server,
    session_processes,
    workloads,
)


def per_process_cpu(sid: int) -> dict[int, tuple[str, float]]:
    """pid -> (role, CPU seconds) for every process of session ``sid``."""
    return {
        pid: ("parent" if pid == sid else f"child(ppid {ppid})", cpu)
        for pid, (ppid, cpu) in session_processes(sid).items()
    }


def delta(before: dict, after: dict) -> dict[int, tuple[str, float]]:
    return {p: (r, c - before.get(p, (r, 0.0))[1]) for p, (r, c) in after.items()}


def show(title: str, d: dict[int, tuple[str, float]], seconds: float, requests: int = 0) -> float:
    total = sum(c for _r, c in d.values())
    print(
        f"{title}: {total:.2f} CPU-s over {seconds:.1f} s ({total / seconds * 100:.1f} % of a core)"
    )
    for pid, (role, cpu) in sorted(d.items()):
        per = f", {cpu * 1000 / requests:.3f} ms/req" if requests else ""
        print(f"    {pid:>7} {role:18s} {cpu:6.2f} s{per}")
    return total


def spy(pids: list[int], out: Path, label: str, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on each worker for ``seconds`` (collapsed stacks, idle frames dropped)."""
    exe = os.environ.get("PYSPY") or shutil.which("py-spy") or "py-spy"
    out.mkdir(parents=True, exist_ok=True)
    record = [exe, "record", "-d", str(int(seconds)), "-r", "200", "-f", "raw"]
    return [
        subprocess.Popen(
            [*record, "-p", str(pid), "-o", str(out / f"{label}-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=6.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--commands", default="listDomains,listAccounts")
    ap.add_argument("--pyspy", type=Path, help="record each worker with py-spy into this dir")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cumulo-cpu-") as tmp:
        base = Path(tmp)
        with backend_url(a.backend, base) as url:
            data = base / "data"
            data.mkdir()
            keys = deploy(data, url)
            seed(url, 1000, 1000)
            with server(data, url, a.workers) as (port, sid):
                time.sleep(2)  # let start-up settle
                b = per_process_cpu(sid)
                time.sleep(a.idle)
                idle = show("idle", delta(b, per_process_cpu(sid)), a.idle) / a.idle
                for command, targets in workloads(keys, 20, 50).items():
                    if command not in a.commands:
                        continue
                    b = per_process_cpu(sid)
                    workers = [p for p, (r, _c) in b.items() if r != "parent"]
                    spies = spy(workers, a.pyspy, command, a.duration) if a.pyspy else []
                    t0 = time.monotonic()
                    row = load(port, targets, a.clients, a.duration, 0.0)
                    for proc in spies:
                        proc.wait()
                    secs = time.monotonic() - t0
                    d = delta(b, per_process_cpu(sid))
                    total = show(f"{command} c={a.clients} {row['rps']} req/s", d, secs, row["ok"])
                    print(
                        f"  => {total * 1000 / row['ok']:.3f} ms/req, idle-corrected "
                        f"{(total - idle * secs) * 1000 / row['ok']:.3f} ms/req"
                    )


if __name__ == "__main__":
    main()
