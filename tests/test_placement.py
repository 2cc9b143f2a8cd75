"""Placement: exact capacity under concurrency, retries on other hosts, clean failure."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from cumulo.db.models.nic import Nic
from cumulo.db.models.vm import VMInstance
from cumulo.services import limits
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import GiB, build, deploy

MiB = 1024 * 1024


def _system_vms_running(cloud: Cloud, expected: int = 2, timeout: float = 60.0) -> None:
    """Wait until the zone's SSVM and CPVM run: they take host capacity too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vms = cloud.admin.call("listSystemVms").get("systemvm", [])
        if sum(v["state"] == "Running" for v in vms) >= expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"system VMs not running after {timeout}s")


def _hosts(cloud: Cloud) -> list[dict]:  # type: ignore[type-arg]
    return cloud.admin.call("listHosts", type="Routing")["host"]


def test_fifty_concurrent_deployments_fill_hosts_exactly(cloud: Cloud) -> None:
    # 5 hosts of 5 GiB: 50 slots of 512 MiB, less what the zone's system VMs use.
    env = build(cloud, hosts_per_cluster=5, host_query=f"/memory={5 * GiB}")
    _system_vms_running(cloud)
    api = cloud.admin
    slot = 512 * MiB
    free = sum((h["memorytotal"] - h["memoryallocated"]) // slot for h in _hosts(cloud))
    assert 40 <= free < 50  # the SSVM and CPVM took some

    def one(i: int) -> str:
        try:
            return deploy(api, env, name=f"vm{i}")["virtualmachine"]["state"]
        except ApiError as exc:
            return f"error {exc.status}"

    with ThreadPoolExecutor(10) as pool:
        states = list(pool.map(one, range(free)))
    assert Counter(states) == {"Running": free}
    vms = api.call("listVirtualMachines", pagesize=100, page=1)["virtualmachine"]
    ips = [v["nic"][0]["ipaddress"] for v in vms]
    macs = [v["nic"][0]["macaddress"] for v in vms]
    assert len(set(ips)) == free and len(set(macs)) == free
    for host in _hosts(cloud):
        assert host["memoryallocated"] == host["memorytotal"], host["name"]  # exactly full
    # Full: the next one has nowhere to go and is cleaned up.
    with pytest.raises(ApiError) as err:
        deploy(api, env, name="one-too-many")
    assert err.value.status == 533


def test_injected_start_failure_is_retried_on_another_host(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=2)
    api = cloud.admin
    bad = env.hosts[0]
    api.call("configureSimulator", name="StartCommand", value="result:fail", hostid=bad["id"])
    for i in range(3):
        vm = deploy(api, env, name=f"r{i}")["virtualmachine"]
        assert vm["state"] == "Running" and vm["hostid"] == env.hosts[1]["id"]
    hosts = {h["id"]: h for h in _hosts(cloud)}
    assert hosts[bad["id"]]["memoryallocated"] == 0  # the failed attempts gave it back
    assert hosts[env.hosts[1]["id"]]["memoryallocated"] == 3 * 512 * MiB


def test_all_hosts_failing_fails_cleanly_and_releases_everything(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=2)
    api = cloud.admin
    api.call("configureSimulator", name="StartCommand", value="result:fail", zoneid=env.zone["id"])
    accepted = api.call(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=env.network_id,
        name="doomed",
    )
    job = api.wait_job(accepted["jobid"])
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 533
    assert "Simulated failure" in job["jobresult"]["errortext"]
    vm = api.call("listVirtualMachines", id=accepted["id"])["virtualmachine"][0]
    assert vm["state"] == "Error" and "hostid" not in vm and vm["nic"] == []
    assert all(h["memoryallocated"] == 0 and h["cpuallocatedvalue"] == 0 for h in _hosts(cloud))
    pools = api.call("listStoragePools")["storagepool"]
    assert all(p["disksizeallocated"] == 0 for p in pools)

    def counts(s):  # type: ignore[no-untyped-def]
        vm_row = s.execute(select(VMInstance).where(VMInstance.uuid == accepted["id"])).scalar_one()
        live_nics = s.execute(
            select(func.count()).where(Nic.instance_id == vm_row.id, Nic.removed.is_(None))
        ).scalar_one()
        return live_nics, limits.counts(s, "Account", vm_row.account_id)

    live_nics, used = cloud.rt.db.run(counts)
    assert live_nics == 0
    assert used.get(0, 0) == 0 and used.get(8, 0) == 0 and used.get(9, 0) == 0
    assert used.get(2, 0) == 0 and used.get(10, 0) == 0
    # Destroying the Error VM later releases nothing twice.
    api.run("destroyVirtualMachine", id=accepted["id"], expunge=True)
    assert cloud.rt.db.run(counts)[1].get(0, 0) == 0


def test_anti_affinity_spreads_and_affinity_packs(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=2)
    api = cloud.admin
    anti = api.run("createAffinityGroup", name="spread", type="host anti-affinity")
    anti_id = anti["affinitygroup"]["id"]
    a = deploy(api, env, name="a1", affinitygroupids=anti_id)["virtualmachine"]
    b = deploy(api, env, name="a2", affinitygroupids=anti_id)["virtualmachine"]
    assert a["hostid"] != b["hostid"]
    assert {g["id"] for g in a["affinitygroup"]} == {anti_id}
    with pytest.raises(ApiError) as err:  # a third has no host left
        deploy(api, env, name="a3", affinitygroupids=anti_id)
    assert err.value.status == 533
    pack = api.run("createAffinityGroup", name="pack", type="host affinity")["affinitygroup"]
    first = deploy(api, env, name="p1", affinitygroupnames="pack")["virtualmachine"]
    for i in range(3):
        vm = deploy(api, env, name=f"p{i + 2}", affinitygroupids=pack["id"])["virtualmachine"]
        assert vm["hostid"] == first["hostid"]


def test_host_tags_and_explicit_host(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=3)
    api = cloud.admin
    tagged = env.hosts[2]
    api.call("updateHost", id=tagged["id"], hosttags="gpu")
    gpu = api.call(
        "createServiceOffering", name="gpu", cpunumber=1, cpuspeed=500, memory=512, hosttags="gpu"
    )["serviceoffering"]
    for i in range(2):
        vm = deploy(api, env, name=f"g{i}", serviceofferingid=gpu["id"])["virtualmachine"]
        assert vm["hostid"] == tagged["id"]
    pinned = deploy(api, env, name="pinned", hostid=env.hosts[0]["id"])["virtualmachine"]
    assert pinned["hostid"] == env.hosts[0]["id"]
    # Disabled host: not a candidate, even when asked for by id.
    api.call("updateHost", id=env.hosts[1]["id"], allocationstate="Disable")
    with pytest.raises(ApiError) as err:
        deploy(api, env, name="nowhere", hostid=env.hosts[1]["id"])
    assert err.value.status == 533


def test_overprovisioning_factor_per_cluster(cloud: Cloud) -> None:
    # One host of 1 core x 2000 MHz; the zone's two system VMs take 1000 MHz first.
    # Two 500 MHz VMs fit; with cpu factor 2 for the cluster, four more (the
    # simulator checks memory for real, not CPU).
    env = build(cloud, hosts_per_cluster=1, host_query="/cpucore=1&cpuspeed=2000")
    _system_vms_running(cloud)
    api = cloud.admin
    assert api.call("listHosts", type="Routing")["host"][0]["cpuallocatedvalue"] == 1000
    for i in range(2):
        deploy(api, env, name=f"m{i}")
    with pytest.raises(ApiError):
        deploy(api, env, name="m2")
    api.call(
        "updateConfiguration",
        name="cpu.overprovisioning.factor",
        value="2",
        clusterid=env.clusters[0]["id"],
    )
    for i in range(2, 6):
        assert deploy(api, env, name=f"n{i}")["virtualmachine"]["state"] == "Running"
    with pytest.raises(ApiError):
        deploy(api, env, name="n6")
