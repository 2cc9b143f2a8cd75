"""The scale seeder runs at a tiny scale and leaves a database the API can list."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sqlalchemy import func, select

from cumulo.db.models.host import Host
from cumulo.db.models.nic import Nic
from cumulo.db.models.resource_limit import ResourceCount
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from tests.support.cloud import running_cloud
from tests.support.cloud import test_settings as settings_for

BENCH = Path(__file__).resolve().parent.parent / "bench" / "seed_scale.py"


def _seeder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("seed_scale", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_scale"] = module
    spec.loader.exec_module(module)
    return module


def test_seeder_tiny_scale(tmp_path: Path) -> None:
    seeder = _seeder()
    # The command line: schema, bootstrap and seed into a fresh data dir.
    assert seeder.main(["--data-dir", str(tmp_path / "cli"), "--scale", "0.0004"]) == 0
    with running_cloud(settings_for(tmp_path / "data")) as cloud:
        seeder.Seeder(cloud.rt, 0.002).run()

        def counts(s):  # type: ignore[no-untyped-def]
            def n(model):  # type: ignore[no-untyped-def]
                return s.execute(select(func.count()).select_from(model)).scalar_one()

            vm_total = s.execute(
                select(func.count()).where(VMInstance.vm_type == "User")
            ).scalar_one()
            allocated = s.execute(select(func.sum(Host.cpu_allocated))).scalar_one()
            vm_counts = s.execute(
                select(func.sum(ResourceCount.count)).where(
                    ResourceCount.owner_type == "account", ResourceCount.resource_type == 0
                )
            ).scalar_one()
            return n(Host), vm_total, n(Nic), n(Volume), allocated, vm_counts

        hosts, vms, nics, volumes, allocated, vm_counts = cloud.rt.db.run(counts)
        assert (hosts, vms, nics, volumes) == (50, 200, 200, 400)
        assert allocated == vms * 500 and vm_counts == vms  # counters match the rows
        api = cloud.admin
        listed = api.call("listHosts", type="Routing", page=1, pagesize=500)
        assert listed["count"] == 50 and all(h["state"] == "Up" for h in listed["host"])
        accounts = api.call("listAccounts", listall=True, page=1, pagesize=500)
        assert accounts["count"] >= 50
