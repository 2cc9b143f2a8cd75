"""The scale bench scripts run end to end at a tiny size, so they cannot rot."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_list_bench_and_profile_on_a_seeded_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert _load("seed_scale").main(["--data-dir", str(data), "--scale", "0.0008"]) == 0
    out = tmp_path / "lists.json"
    assert (
        _load("list_bench").main(["--data-dir", str(data), "--samples", "2", "--json", str(out)])
        == 0
    )
    results = json.loads(out.read_text())
    for command in (
        "listVirtualMachines",
        "listHosts",
        "listVolumes",
        "listNetworks",
        "listAccounts",
    ):
        page = results[f"{command} page1"]
        assert page["count"] > 0 and 0 < page["p50"] <= page["p95"]
        assert f"{command} by id" in results and f"{command} keyword" in results
    capsys.readouterr()
    assert _load("profile_lists").main(["--data-dir", str(data), "-n", "1"]) == 0
    printed = capsys.readouterr().out
    # A page of networks takes a handful of statements, not one per network.
    line = next(x for x in printed.splitlines() if x.startswith("listNetworks page1"))
    assert int(line.split("statements")[0].split()[-1]) < 20


@pytest.mark.slow
def test_deploy_bench_deploys_concurrently_without_duplicates(tmp_path: Path) -> None:
    out = tmp_path / "deploy.json"
    bench = _load("deploy_bench")
    args = ["--vms", "6", "--clients", "3", "--hosts", "1", "--poll", "0.3", "--json", str(out)]
    assert bench.main([*args, "--data-dir", str(tmp_path / "d")]) == 0
    report = json.loads(out.read_text())
    assert report["deployed"] == 6 and report["failures"] == []
    assert report["audit"]["running"] == 6 and report["audit"]["nics"] == 6
    assert report["audit"]["duplicate_ips"] == [] and report["audit"]["duplicate_macs"] == []
    assert report["seconds"] > 0 and report["server_cpu_s"] > 0
