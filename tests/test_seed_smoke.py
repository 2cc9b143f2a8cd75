"""The scale seeder runs at a tiny scale and leaves a database the API can list."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sqlalchemy import func, select

from cumulo.db.models.domain import Domain
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
        vms = api.call("listVirtualMachines", listall=True, page=1, pagesize=500)
        assert vms["count"] == 200
        addresses = [
            (n["networkid"], n["ipaddress"]) for v in vms["virtualmachine"] for n in v["nic"]
        ]
        assert len(addresses) == 200 == len(set(addresses))  # one NIC each, no address twice
        nets = api.call("listNetworks", listall=True, page=1, pagesize=500)["network"]
        seeded = [n for n in nets if n["name"].startswith("scale-net-")]
        assert len(seeded) == 50 == len({n["broadcasturi"] for n in seeded})
        # The counts the seeder wrote are what a recount from the rows finds.
        domains = api.call("listDomains", listall=True, page=1, pagesize=500)["domain"]
        seeded_domains = [d for d in domains if d["level"] == 1 and "-d" in d["name"]]
        assert seeded_domains
        for domain in seeded_domains[:3]:
            before = cloud.rt.db.run(lambda s, d=domain["id"]: _domain_counts(s, d))
            api.call("updateResourceCount", domainid=domain["id"])
            after = cloud.rt.db.run(lambda s, d=domain["id"]: _domain_counts(s, d))
            assert before[0] > 0 and after == before  # vms counted, nothing repaired


def _domain_counts(session, domain_uuid: str) -> dict[int, int]:  # type: ignore[no-untyped-def]
    domain = session.execute(select(Domain).where(Domain.uuid == domain_uuid)).scalar_one()
    rows = session.execute(
        select(ResourceCount.resource_type, ResourceCount.count).where(
            ResourceCount.owner_type == "domain", ResourceCount.owner_id == domain.id
        )
    )
    return {t: n for t, n in rows if t in (0, 2, 6, 8, 9, 10)}
