"""Benchmark of the management server's read path over real HTTP.

For each backend (SQLite, MariaDB): deploy a fresh database, seed domains
(and accounts, when ``listAccounts`` exists) directly with SQL, start a real
``cumulo serve`` subprocess with N worker processes, and drive it with
``bench/loadgen.py`` (a separate process replaying pre-signed requests,
signature version 3 with ``expires`` 15 minutes ahead) at several
concurrency levels. Also measures cold start: process start to the first
successful signed ``listApis`` on an empty database.

    python bench/api_bench.py                       # the full run (make bench)
    python bench/api_bench.py --smoke               # seconds, tiny numbers
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.mariadb import MariaDB, free_port  # noqa: E402

from cumulo.api.declaration import load_commands, lookup  # noqa: E402
from cumulo.http.signing import sign  # noqa: E402

LOADGEN = Path(__file__).resolve().parent / "loadgen.py"
CRED = re.compile(r"^\s*(apikey|secretkey):\s*(\S+)\s*$", re.MULTILINE)


@dataclass
class Keys:
    apikey: str
    secretkey: str


def machine_facts() -> dict[str, object]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
    }


def serve_env(data_dir: Path, url: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUMULO_")}
    env.update(
        {
            "CUMULO_DATA_DIR": str(data_dir),
            "CUMULO_DATABASE_URL": url,
            "CUMULO_PORT": str(port),
            "CUMULO_WORKERS": str(workers),
            "CUMULO_NODE_NAME": f"bench-{port}",
            "CUMULO_LOG_LEVEL": "warning",
            # Pool per worker process; more than the clients one worker sees.
            "CUMULO_DATABASE_POOL_SIZE": "20",
        }
    )
    return env


def signed_target(keys: Keys, command: str, params: dict[str, str]) -> str:
    p = {**params, "command": command, "response": "json", "apiKey": keys.apikey}
    p["signatureVersion"] = "3"
    p["expires"] = (datetime.now(UTC) + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    p["signature"] = sign(p, keys.secretkey)
    return "/client/api?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in p.items())


def deploy(data_dir: Path, url: str) -> Keys:
    """`cumulo db deploy` as an operator runs it; the admin keys come from its output."""
    env = serve_env(data_dir, url, 0, 1)
    out = subprocess.run(
        [sys.executable, "-m", "cumulo.cli.main", "db", "deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = dict(CRED.findall(out))
    return Keys(found["apikey"], found["secretkey"])


def seed(url: str, domains: int, accounts: int) -> None:
    """Insert rows straight into the tables: seeding is not what is measured."""
    from sqlalchemy import insert, update

    from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType
    from cumulo.db.base import new_uuid, utcnow
    from cumulo.db.database import Database
    from cumulo.db.models.account import Account, AccountType
    from cumulo.db.models.domain import Domain

    db = Database(url)
    now = utcnow()
    try:
        with db.session() as s:
            if domains:
                s.execute(
                    insert(Domain),
                    [
                        {
                            "uuid": new_uuid(),
                            "created": now,
                            "name": f"bench-{i:05d}",
                            "parent_id": Domain.ROOT_ID,
                            "path": f"/bench-{i:05d}/",
                            "level": 1,
                            "child_count": 0,
                            "state": "Active",
                            "tombstone": 0,
                        }
                        for i in range(domains)
                    ],
                )
                s.execute(
                    update(Domain).where(Domain.id == Domain.ROOT_ID).values(child_count=domains)
                )
            if accounts:
                s.execute(
                    insert(Account),
                    [
                        {
                            "uuid": new_uuid(),
                            "created": now,
                            "name": f"bench-{i:05d}",
                            "type": AccountType.USER,
                            "domain_id": Domain.ROOT_ID,
                            "role_id": BUILTIN_ROLE_IDS[RoleType.USER],
                            "state": "enabled",
                            "is_default": False,
                            "tombstone": 0,
                        }
                        for i in range(accounts)
                    ],
                )
    finally:
        db.dispose()


@contextmanager
def server(data_dir: Path, url: str, workers: int) -> Iterator[tuple[int, int]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cumulo.cli.main", "serve"],
        env=serve_env(data_dir, url, port, workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_http(port, proc, timeout=240)  # a loaded shared host starts slowly
        yield port, proc.pid
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_http(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"cumulo serve exited ({proc.returncode}): {err[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"cumulo serve not ready on port {port} after {timeout}s")


def load(port: int, targets: list[str], clients: int, duration: float, warmup: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(targets) + "\n")
    try:
        out = subprocess.run(
            [
                sys.executable,
                str(LOADGEN),
                "--port",
                str(port),
                "--targets",
                fh.name,
                "--clients",
                str(clients),
                "--duration",
                str(duration),
                "--warmup",
                str(warmup),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(fh.name)
    return json.loads(out)


def session_cpu_seconds(sid: int) -> float:
    """CPU time (user + system) used so far by every process of session ``sid``.

    The server runs in its own session (master, workers), so this is the whole
    management server, whatever else runs on the machine.
    """
    return sum(cpu for _ppid, cpu in session_processes(sid).values())


def session_processes(sid: int) -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) of every process of session ``sid``."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after "pid (comm)": state ppid pgrp session ... utime(12) stime(13)
        if int(fields[3]) == sid:
            out[int(stat.parent.name)] = (
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / ticks,
            )
    return out


def measured(sid: int, port: int, targets: list[str], clients: int, a: argparse.Namespace) -> dict:
    before = session_cpu_seconds(sid)
    row = load(port, targets, clients, a.duration, a.warmup)
    # Warm-up requests are included in the CPU but not in the count: a small overestimate.
    cpu = session_cpu_seconds(sid) - before
    total = row["ok"] * (a.duration + a.warmup) / a.duration if row["ok"] else 0
    row["server_cpu_ms_per_req"] = round(cpu * 1000 / total, 3) if total else None
    if total:
        row["capacity_rps_all_cores"] = round((os.cpu_count() or 1) * total / cpu, 1)
    return row


def check_target(port: int, target: str) -> None:
    resp = httpx.get(f"http://127.0.0.1:{port}{target}", timeout=10)
    if resp.status_code != 200:
        raise RuntimeError(f"{target[:60]}… answered {resp.status_code}: {resp.text[:300]}")


def workloads(keys: Keys, pagesize: int, pages: int) -> dict[str, list[str]]:
    """Pre-signed requests per measured command (distinct pages, same cost each)."""
    load_commands()
    out = {
        "listDomains": [
            signed_target(
                keys,
                "listDomains",
                {"listall": "true", "page": str(1 + n % pages), "pagesize": str(pagesize)},
            )
            for n in range(200)
        ]
    }
    if lookup("listAccounts") is not None:
        out["listAccounts"] = [
            signed_target(
                keys,
                "listAccounts",
                {"listall": "true", "page": str(1 + n % pages), "pagesize": str(pagesize)},
            )
            for n in range(200)
        ]
    return out


def cold_start(base: Path, url: str, keys: Keys | None, workers: int) -> float:
    """Seconds from spawning `cumulo serve` to the first 200 of a signed listApis.

    SQLite (keys None): a brand-new data dir; the first start deploys the
    schema and prints the admin keys. MariaDB: a deployed, empty database.
    """
    port = free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cumulo.cli.main", "serve"],
        env=serve_env(base, url, port, workers),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        if keys is None:
            seen: dict[str, str] = {}
            assert proc.stdout is not None
            while len(seen) < 2:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("cumulo serve printed no credentials")
                seen.update(CRED.findall(line))
            keys = Keys(seen["apikey"], seen["secretkey"])
        target = signed_target(keys, "listApis", {})
        with httpx.Client(timeout=5) as http:
            while time.monotonic() - t0 < 60:
                try:
                    if http.get(f"http://127.0.0.1:{port}{target}").status_code == 200:
                        return time.monotonic() - t0
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise RuntimeError("no successful listApis within 60 s")
    finally:
        stop(proc)


@contextmanager
def backend_url(name: str, base: Path, mariadb_url: str | None = None) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{base / 'cumulo.db'}"
        return
    if mariadb_url:  # an empty database on a server someone else runs
        yield mariadb_url
        return
    maria = MariaDB(base / "mariadb").start()
    try:
        yield maria.url(maria.create_database("bench"))
    finally:
        maria.stop()


def bench_backend(name: str, a: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"cumulo-bench-{name}-") as tmp:
        base = Path(tmp)
        with backend_url(name, base, a.mariadb_url) as url:
            data = base / "data"
            data.mkdir()
            if name == "sqlite":
                start = cold_start(base / "cold", f"sqlite:///{base / 'cold' / 'c.db'}", None, 1)
            else:
                start = None
            keys = deploy(data, url)
            if name == "mariadb":
                start = cold_start(data, url, keys, 1)
            seed(url, a.domains, a.accounts if a.accounts else 0)
            results: dict[str, object] = {"cold_start_s": round(start or 0, 3)}
            pages = max(1, a.domains // a.pagesize)
            with server(data, url, a.workers) as (port, sid):
                for command, targets in workloads(keys, a.pagesize, pages).items():
                    if command not in a.commands:
                        continue
                    check_target(port, targets[0])
                    rows = []
                    for clients in a.clients:
                        row = measured(sid, port, targets, clients, a)
                        rows.append(row)
                        print(f"  {name:8s} {command:13s} {_fmt(row)}", file=sys.stderr)
                    results[command] = rows
            return results


def _fmt(row: dict) -> str:
    return (
        f"c={row['clients']:3d} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:6.2f}  "
        f"p95 {row['p95_ms']:6.2f}  p99 {row['p99_ms']:6.2f} ms  "
        f"non-200 {row['requests'] - row['ok']}  server cpu/req {row['server_cpu_ms_per_req']} ms"
        f"  loadgen cpu {row['loadgen_cpu_s']}s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="cumulo API read benchmark")
    ap.add_argument("--backends", default="sqlite,mariadb")
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--pagesize", type=int, default=20)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--commands", default="listDomains,listAccounts", help="which to measure")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--mariadb-url", help="use this empty database instead of a private mariadbd")
    ap.add_argument("--smoke", action="store_true", help="tiny numbers, for the test suite")
    a = ap.parse_args()
    if a.smoke:
        a.domains, a.accounts, a.pagesize, a.clients = 30, 30, 10, "1,4"
        a.duration, a.warmup, a.workers = 0.5, 0.2, 1
    a.clients = [int(c) for c in str(a.clients).split(",")]
    a.commands = a.commands.split(",")
    # An installed server has its bytecode; a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile ~300 modules at every cold start.
    compileall.compile_dir(ROOT / "src", quiet=1)
    report: dict[str, object] = {"machine": machine_facts(), "args": _args(a)}
    for name in a.backends.split(","):
        report[name] = bench_backend(name, a)
    text = json.dumps(report, indent=2)
    if a.json:
        a.json.write_text(text + "\n")
    print(text)


def _args(a: argparse.Namespace) -> dict[str, object]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()}


if __name__ == "__main__":
    main()
