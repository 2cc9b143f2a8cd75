"""CPU time and SQL statements per deployVirtualMachine, in-process, split by phase.

    python bench/profile_deploy.py [-n 100] [--hosts 4] [--polls 1] [--yappi] [--sql]

A simulator zone (tests/vm_helpers) on SQLite; the admin deploys N instances
through the API handler (signed requests, no HTTP), the node's job runner
starts them, then each job is polled ``--polls`` times with
queryAsyncJobResult. Reported per deploy: CPU of the submitting thread, CPU of
the whole process while the jobs run (job threads plus whatever else the node
does meanwhile), CPU per poll, and the SQL statements of each phase. The
figures are CPU time, so they barely depend on the machine's load; compare
two branches back to back. ``--yappi`` profiles every thread (CPU clock).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from tests.support.cloud import running_cloud, test_settings  # noqa: E402
from tests.vm_helpers import build  # noqa: E402

# Simulator hosts far larger than the instances need (as bench/deploy_bench.py).
HOST = "cpucore=64&cpuspeed=8000&memory=274877906944"

from bench.api_bench import Keys, signed_target  # noqa: E402


class Statements:
    """SQL statements per thread group (``job`` threads vs the rest)."""

    def __init__(self, show: bool) -> None:
        self.count: Counter[str] = Counter()
        self.text: Counter[str] = Counter()
        self.show = show

    def after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        group = threading.current_thread().name.split("_")[0]
        self.count[group] += 1
        if self.show:
            self.text[f"{group}: {' '.join(statement.split())[:160]}"] += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=100, help="instances to deploy")
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--polls", type=int, default=1, help="queryAsyncJobResult per job")
    ap.add_argument(
        "--yappi", choices=("all", "submit", "job", "poll"), help="profile this phase (CPU clock)"
    )
    ap.add_argument("--sql", action="store_true", help="print statements by frequency")
    a = ap.parse_args(argv)
    from cumulo.http.api import ApiHandler, ApiRequest

    with tempfile.TemporaryDirectory() as tmp:
        settings = test_settings(Path(tmp) / "data")
        with running_cloud(settings) as cloud:
            env = build(cloud, hosts_per_cluster=a.hosts, host_query=f"/{HOST}", cidr="10.8.0.0/20")
            keys = Keys(cloud.creds.apikey, cloud.creds.secretkey)
            handler = ApiHandler(cloud.rt)

            def call(command: str, **params: str) -> dict[str, Any]:
                target = signed_target(keys, command, params)
                reply = handler.handle(ApiRequest("GET", dict(parse_qsl(target.split("?")[1])), {}))
                body: dict[str, Any] = json.loads(reply.body)
                return next(iter(body.values()))

            target = {
                "zoneid": env.zone["id"],
                "serviceofferingid": env.offering["id"],
                "templateid": env.template_id,
                "networkids": env.network_id,
            }

            def wait_jobs(jobs: list[str]) -> None:
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    if cloud.agent.jobs.running() == 0 and _all_done(cloud, jobs):
                        return
                    time.sleep(0.05)
                raise SystemExit("jobs did not finish in 600 s")

            # Warm-up: caches, imports, first statements compiled.
            warm = [
                call("deployVirtualMachine", name=f"warm-{i}", **target)["jobid"] for i in range(5)
            ]
            wait_jobs(warm)
            for j in warm:
                call("queryAsyncJobResult", jobid=j)

            stmts = Statements(a.sql)
            event.listen(cloud.rt.db.engine, "after_cursor_execute", stmts.after)
            prof = _yappi_start() if a.yappi in ("all", "submit") else None
            # Jobs wait while the deploys are submitted, so each phase is measured alone.
            runner = cloud.agent.jobs
            claim = runner.claim_and_run
            runner.claim_and_run = lambda: 0  # type: ignore[method-assign]
            job_cpu_box = [0.0]
            execute = runner._execute

            def timed(claim_: Any) -> None:
                t = time.thread_time()
                try:
                    execute(claim_)
                finally:
                    with lock:
                        job_cpu_box[0] += time.thread_time() - t

            lock = threading.Lock()
            runner._execute = timed  # type: ignore[method-assign]
            c0 = time.thread_time()
            jobs = [
                call("deployVirtualMachine", name=f"p-{i}", **target)["jobid"] for i in range(a.n)
            ]
            submit_cpu = time.thread_time() - c0
            submit_stmts = stmts.count["MainThread"]
            before = Counter(stmts.count)
            if a.yappi == "submit":
                _yappi_report(prof)
            prof = _yappi_start() if a.yappi == "job" else prof
            p0 = time.process_time()
            runner.claim_and_run = claim  # type: ignore[method-assign]
            cloud.rt.job_wakeup.set()
            wait_jobs(jobs)
            process_cpu = time.process_time() - p0
            job_cpu = job_cpu_box[0]
            during = Counter(stmts.count)
            during.subtract(before)
            job_stmts = during["job"] + during["job-poll"]
            by_group = dict(during)
            if a.yappi == "job":
                _yappi_report(prof)
            prof = _yappi_start() if a.yappi == "poll" else prof
            c0 = time.thread_time()
            results = [call("queryAsyncJobResult", jobid=j) for j in jobs for _ in range(a.polls)]
            poll_cpu = time.thread_time() - c0
            poll_stmts = stmts.count["MainThread"] - before["MainThread"] - during["MainThread"]
            event.remove(cloud.rt.db.engine, "after_cursor_execute", stmts.after)
            failed = [r for r in results if r.get("jobstatus") != 1]
            n, polls = a.n, a.n * a.polls
            ms = 1000 / n
            print(
                f"{n} deploys, {a.hosts} hosts, failed {len(failed)}\n"
                f"  submit: {submit_cpu * ms:6.1f} ms CPU, {submit_stmts / n:5.1f} stmts"
                " per deploy\n"
                f"  job:    {job_cpu * ms:6.1f} ms CPU, {job_stmts / n:5.1f} stmts per deploy"
                f" (job threads + claims; whole process meanwhile {process_cpu * ms:.1f} ms)\n"
                f"  poll:   {poll_cpu / polls * 1000:6.1f} ms CPU, {poll_stmts / polls:5.1f} stmts"
                " per poll\n"
                f"  total:  {(submit_cpu + job_cpu + poll_cpu / a.polls) * ms:6.1f} ms CPU per"
                " deploy with one poll"
            )
            print(f"  statements by thread while the jobs ran: {by_group}")
            if failed:
                print("  first failure:", json.dumps(failed[0])[:400])
            if a.sql:
                for text, k in stmts.text.most_common(60):
                    print(f"  {k / n:6.2f}  {text}")
            if prof is not None and a.yappi in ("all", "poll"):
                _yappi_report(prof)
    return 0


def _all_done(cloud: Any, jobs: list[str]) -> bool:
    from sqlalchemy import func, select

    from cumulo.db.models.job import AsyncJob, JobStatus

    def pending(s: Any) -> int:
        return int(
            s.execute(
                select(func.count())
                .select_from(AsyncJob)
                .where(AsyncJob.uuid.in_(jobs), AsyncJob.status == JobStatus.IN_PROGRESS)
            ).scalar_one()
        )

    return cloud.rt.db.run(pending, write=False) == 0


def _yappi_start() -> Any:
    import yappi

    yappi.set_clock_type("cpu")
    yappi.start(builtins=False)
    return yappi


def _yappi_report(yappi: Any) -> None:
    yappi.stop()
    print("yappi (CPU clock):")
    stats = yappi.get_func_stats()
    stats.sort("ttot")
    yappi.clear_stats()
    stats.print_all(
        columns={0: ("name", 90), 1: ("ncall", 10), 3: ("ttot", 8), 4: ("tsub", 8)},
    )


if __name__ == "__main__":
    sys.exit(main())
