"""Cold start of ``cumulo serve``: spawn to the first successful signed listApis.

Per backend and run, a fresh database: SQLite gets a brand-new data dir (the
first start deploys the schema, bootstraps and prints the admin keys);
MariaDB gets an empty database that ``cumulo db deploy`` prepared (the server
refuses an undeployed MariaDB), so only ``cumulo serve`` is timed. Reports
wall seconds and the CPU seconds (user + system) of the server's session up to
that first answer; the CPU number depends little on what else the shared
machine runs, so compare that one.

    python bench/cold_start.py                      # both backends, 5 runs each
    python bench/cold_start.py --backends sqlite --runs 3 --workers 2
    python bench/cold_start.py --baseline-src /tmp/old/src   # A/B, runs interleaved

Bytecode: an installed cumulo has its ``.pyc`` files (pip compiles wheels);
a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` would compile all ~300
modules at every start (~0.7 s CPU). So the source trees are byte-compiled
first, and the numbers are those of an installed server.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.mariadb import MariaDB, free_port

from bench.api_bench import (
    CRED,
    Keys,
    deploy,
    machine_facts,
    serve_env,
    session_cpu_seconds,
    signed_target,
    stop,
)

SRC = Path(__file__).resolve().parent.parent / "src"


def one_start(
    data_dir: Path, url: str, keys: Keys | None, workers: int, src: Path | None = None
) -> dict[str, float]:
    """Spawn `cumulo serve`; wall and session CPU seconds at its first 200 to listApis.

    ``src``: run the cumulo package found there instead (an older tree, for A/B).
    """
    port = free_port()
    env = serve_env(data_dir, url, port, workers)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cumulo.cli.main", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        if keys is None:
            keys = _printed_keys(proc)
        target = signed_target(keys, "listApis", {})
        with httpx.Client(timeout=5) as http:
            while time.monotonic() - t0 < 120:
                try:
                    if http.get(f"http://127.0.0.1:{port}{target}").status_code == 200:
                        wall = time.monotonic() - t0
                        return {"wall_s": wall, "cpu_s": session_cpu_seconds(proc.pid)}
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"cumulo serve exited with {proc.returncode}")
                time.sleep(0.005)
        raise RuntimeError("no successful listApis within 120 s")
    finally:
        stop(proc)


def _printed_keys(proc: subprocess.Popen[str]) -> Keys:
    seen: dict[str, str] = {}
    assert proc.stdout is not None
    while len(seen) < 2:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("cumulo serve printed no credentials")
        seen.update(CRED.findall(line))
    return Keys(seen["apikey"], seen["secretkey"])


def run_backend(
    name: str, runs: int, workers: int, base: Path, trees: dict[str, Path | None]
) -> dict[str, list[dict[str, float]]]:
    """``runs`` cold starts per source tree, the trees interleaved run by run."""
    out: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    maria = MariaDB(base / "mariadb").start() if name == "mariadb" else None
    try:
        for n in range(runs):
            for label, src in trees.items():
                data = base / f"{name}-{label}-{n}"
                data.mkdir()
                if maria is None:
                    url, keys = f"sqlite:///{data / 'cumulo.db'}", None
                else:
                    url = maria.url(maria.create_database(f"cold{n}"))
                    keys = deploy(data, url)
                row = {**one_start(data, url, keys, workers, src), "load1": os.getloadavg()[0]}
                print(f"  {name:8s} {label:8s} run {n}: {_fmt(row)}", file=sys.stderr)
                out[label].append(row)
    finally:
        if maria is not None:
            maria.stop()
    return out


def _fmt(row: dict[str, float]) -> str:
    return f"wall {row['wall_s']:.2f} s  cpu {row['cpu_s']:.2f} s  load {row['load1']:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description="cumulo serve cold start")
    ap.add_argument("--backends", default="sqlite,mariadb")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--baseline-src", type=Path, help="also start this tree's cumulo (A/B)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args()
    trees: dict[str, Path | None] = {"tree": None}
    if a.baseline_src:
        trees = {"baseline": a.baseline_src, "tree": None}
    for src in (SRC, *(t for t in trees.values() if t is not None)):
        compileall.compile_dir(src, quiet=1)
    report: dict[str, object] = {"machine": machine_facts(), "workers": a.workers}
    with tempfile.TemporaryDirectory(prefix="cumulo-cold-") as tmp:
        for name in a.backends.split(","):
            by_tree = run_backend(name, a.runs, a.workers, Path(tmp), trees)
            report[name] = {label: _summary(rows) for label, rows in by_tree.items()}
    text = json.dumps(report, indent=2)
    if a.json:
        a.json.write_text(text + "\n")
    print(text)


def _summary(rows: list[dict[str, float]]) -> dict[str, object]:
    return {
        "runs": rows,
        "median_wall_s": round(statistics.median(r["wall_s"] for r in rows), 3),
        "median_cpu_s": round(statistics.median(r["cpu_s"] for r in rows), 3),
    }


if __name__ == "__main__":
    main()
