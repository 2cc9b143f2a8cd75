"""Figures from a load run (cumulo.lab.load) around one injected failure."""

from __future__ import annotations

import itertools
from typing import Any


def longest_gap(times: list[float], start: float, end: float) -> float:
    """The longest time in [start, end] without a success at any of ``times``."""
    points = [start, *sorted(t for t in times if start <= t <= end), end]
    return round(max(b - a for a, b in itertools.pairwise(points)), 2)


def summarise(result: dict[str, Any], failed_at: float, end: float) -> dict[str, Any]:
    """Unavailability, write outage, failures and job outcomes after ``failed_at``."""
    recs = [r for r in result["records"] if r["t0"] >= failed_at - 1]
    ok_any = [r["t1"] for r in recs if r["ok"]]
    ok_writes = [r["t1"] for r in recs if r["ok"] and r["kind"] == "write"]
    reads = [r for r in recs if r["kind"] == "read"]
    writes = [r for r in recs if r["kind"] == "write"]
    jobs = [j for j in result["jobs"] if j["t0"] >= failed_at - 10]
    done = [j["t1"] - failed_at for j in jobs if j["t1"] is not None]
    # Jobs submitted before the failure and still running at it: the adopted ones.
    inflight = [j for j in jobs if j["t0"] < failed_at and (j["t1"] is None or j["t1"] > failed_at)]
    submits = [r for r in recs if r["kind"] == "job-submit"]
    return {
        "unavailable_s": longest_gap(ok_any, failed_at, end),
        "write_outage_s": longest_gap(ok_writes, failed_at, end),
        "reads": len(reads),
        "reads_failed_after_retry": sum(1 for r in reads if not r["ok"]),
        "reads_needing_retry": sum(1 for r in reads if r["retried"]),
        "writes": len(writes),
        "writes_failed": sum(1 for r in writes if not r["ok"]),
        "jobs": len(jobs),
        "jobs_stuck": sum(1 for j in jobs if j["status"] == 0),
        "stuck_jobs": [j for j in jobs if j["status"] == 0][:3],
        "jobs_failed": [j["errortext"] for j in jobs if j["status"] == 2],
        "jobs_last_done_s": round(max(done), 2) if done else None,
        "jobs_in_flight_at_failure": len(inflight),
        "in_flight_done_after_s": (
            round(max(j["t1"] - failed_at for j in inflight if j["t1"]), 2)
            if any(j["t1"] for j in inflight)
            else None
        ),
        "job_submits_failed": len(submits),
        "errors": sorted({r.get("error", "")[:120] for r in recs if not r["ok"]})[:5],
    }


def acked_alive(result: dict[str, Any]) -> list[str]:
    """Names of acknowledged createDomain calls that were not deleted on purpose."""
    deleting = set(result["deleting"])
    return [n for n in result["acked"] if n not in deleting]
