"""The failover figures computed from a load run (cumulo.lab.loadstats)."""

from __future__ import annotations

from cumulo.lab.loadstats import acked_alive, longest_gap, summarise


def _rec(kind: str, t: float, ok: bool, **extra: object) -> dict[str, object]:
    return {"kind": kind, "t0": t - 0.05, "t1": t, "ok": ok, "retried": False, **extra}


def test_gap_counts_from_the_failure_to_the_end() -> None:
    assert longest_gap([10.5, 11.0, 14.0], start=10.0, end=15.0) == 3.0
    assert longest_gap([], start=10.0, end=12.5) == 2.5  # nothing succeeded at all


def test_summary_separates_reads_writes_and_jobs() -> None:
    result = {
        "records": [
            _rec("read", 9.0, True),
            _rec("read", 10.2, False, retried=True, error="HTTP 503"),
            _rec("write", 10.3, False, name="b", error="HTTP 530"),
            _rec("read", 12.0, True),
            _rec("write", 13.5, True, name="c"),
        ],
        "jobs": [
            {"jobid": "j1", "t0": 9.5, "t1": 16.0, "status": 1, "errortext": ""},
            {"jobid": "j2", "t0": 11.0, "t1": None, "status": 0, "errortext": ""},
        ],
        "acked": ["a", "c"],
        "deleting": ["a"],
    }
    f = summarise(result, failed_at=10.0, end=15.0)
    assert f["unavailable_s"] == 2.0
    assert f["write_outage_s"] == 3.5
    assert f["reads_failed_after_retry"] == 1 and f["writes_failed"] == 1
    assert f["jobs_stuck"] == 1 and f["jobs_in_flight_at_failure"] == 1
    assert f["in_flight_done_after_s"] == 6.0
    assert acked_alive(result) == ["c"]
