"""The API benchmark runs end to end (tiny numbers; `make bench` runs the real one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_smoke(mariadb_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "api_bench.py"),
            "--smoke",
            "--mariadb-url",
            mariadb_url,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["machine"]["nproc"] >= 1
    for backend in ("sqlite", "mariadb"):
        result = report[backend]
        assert 0 < result["cold_start_s"] < 60
        rows = result["listDomains"]
        assert [r["clients"] for r in rows] == [1, 4]
        for row in rows:
            assert row["ok"] > 0 and row["statuses"] == {"200": row["ok"]}
            assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
            assert row["server_cpu_ms_per_req"] > 0
