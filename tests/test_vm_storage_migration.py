"""findStoragePoolsForMigration and migrateVirtualMachineWithVolume on the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import Env, GiB, build, deploy, guest_allocation

MiB = 1024 * 1024


def _pools(api: Any) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in api.call("listStoragePools")["storagepool"]}


def _volumes(api: Any, vm_id: str) -> dict[str, dict[str, Any]]:
    return {v["type"]: v for v in api.call("listVolumes", virtualmachineid=vm_id)["volume"]}


def _zone_pool(api: Any, env: Env) -> dict[str, Any]:
    return api.call(
        "createStoragePool",
        zoneid=env.zone["id"],
        name="PS-zone",
        scope="zone",
        hypervisor="Simulator",
        url="nfs://10.147.28.6/export/zone",
    )["storagepool"]


def _sim_world() -> Any:
    from cumulo.drivers.registry import driver_for

    return driver_for("Simulator").world  # type: ignore[attr-defined]


def _guid(cloud: Cloud, host_uuid: str) -> str:
    from cumulo.db.models.host import Host

    return cloud.rt.db.run(  # type: ignore[no-any-return]
        lambda s: s.execute(select(Host.guid).where(Host.uuid == host_uuid)).scalar_one()
    )


def _instance(api: Any, vm_id: str) -> str:
    vm = api.call("listVirtualMachines", id=vm_id)["virtualmachine"][0]
    return vm["instancename"]  # type: ignore[no-any-return]


def _setup(cloud: Cloud) -> tuple[Env, dict[str, Any], str]:
    env = build(cloud, clusters=2, hosts_per_cluster=1)
    api = cloud.admin
    disk = api.call("createDiskOffering", name="d3", disksize=3, displaytext="3G")["diskoffering"]
    first = env.hosts[0]["id"]
    vm = deploy(api, env, name="mover", diskofferingid=disk["id"], hostid=first)["virtualmachine"]
    return env, vm, disk["id"]


def test_find_pools_marks_what_the_running_vm_reaches(cloud: Cloud) -> None:
    env, vm, _ = _setup(cloud)
    api = cloud.admin
    zone_pool = _zone_pool(api, env)
    root = _volumes(api, vm["id"])["ROOT"]
    found = api.call("findStoragePoolsForMigration", id=root["id"])
    listed = {p["id"]: p["suitableformigration"] for p in found["storagepool"]}
    # Its own pool is not offered; the other cluster's pool is not reachable from the VM's host.
    assert listed == {env.pools[1]["id"]: False, zone_pool["id"]: True}
    assert found["count"] == 2
    api.run("stopVirtualMachine", id=vm["id"])
    listed = {
        p["id"]: p["suitableformigration"]
        for p in api.call("findStoragePoolsForMigration", id=root["id"])["storagepool"]
    }
    assert listed == {env.pools[1]["id"]: True, zone_pool["id"]: True}
    api.call("updateStoragePool", id=zone_pool["id"], enabled=False)
    listed = {
        p["id"]: p["suitableformigration"]
        for p in api.call("findStoragePoolsForMigration", id=root["id"])["storagepool"]
    }
    assert listed[zone_pool["id"]] is False


def test_running_vm_moves_host_and_volumes_exactly(cloud: Cloud) -> None:
    env, vm, _ = _setup(cloud)
    api = cloud.admin
    src, dst = env.hosts[0]["id"], env.hosts[1]["id"]
    vols = _volumes(api, vm["id"])
    size = vols["ROOT"]["size"] + vols["DATADISK"]["size"]
    before = _pools(api)
    old_paths = {v["path"] for v in vols.values()}
    # Only the root disk is mapped: the data disk's pool is not reachable from the new
    # host's cluster, so it moves along to a pool that host reaches.
    moved = api.run(
        "migrateVirtualMachineWithVolume",
        virtualmachineid=vm["id"],
        hostid=dst,
        **{"migrateto[0].volume": vols["ROOT"]["id"], "migrateto[0].pool": env.pools[1]["id"]},
    )["virtualmachine"]
    assert moved["hostid"] == dst and moved["state"] == "Running"
    after_vols = _volumes(api, vm["id"])
    assert {v["storageid"] for v in after_vols.values()} == {env.pools[1]["id"]}
    assert all(v["state"] == "Ready" for v in after_vols.values())
    after = _pools(api)
    p0, p1 = env.pools[0]["id"], env.pools[1]["id"]
    assert after[p0]["disksizeallocated"] == before[p0]["disksizeallocated"] - size
    assert after[p1]["disksizeallocated"] == before[p1]["disksizeallocated"] + size
    assert guest_allocation(cloud, src) == (0, 0)
    assert guest_allocation(cloud, dst) == (500, 512 * MiB)
    world = _sim_world()
    assert world.vm_state()[_instance(api, vm["id"])]["host"] == _guid(cloud, dst)
    new_paths = {v["path"] for v in after_vols.values()}
    assert new_paths <= set(world.pools[p1].volumes) and not new_paths & old_paths
    assert not old_paths & set(world.pools[p0].volumes)
    events = api.call("listEvents", type="VOLUME.MIGRATE")["event"]
    assert len(events) == 2


def test_failed_host_move_leaves_everything_in_place(cloud: Cloud) -> None:
    env, vm, _ = _setup(cloud)
    api = cloud.admin
    src, dst = env.hosts[0]["id"], env.hosts[1]["id"]
    vols = _volumes(api, vm["id"])
    before = _pools(api)
    api.call("configureSimulator", name="MigrateCommand", value="result:fail", count=1)
    with pytest.raises(ApiError) as err:
        api.run("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], hostid=dst)
    assert err.value.status == 530 and "moving the VM failed" in err.value.body["errortext"]
    now = api.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert now["state"] == "Running" and now["hostid"] == src
    assert _volumes(api, vm["id"]) == vols
    after = _pools(api)
    assert {k: p["disksizeallocated"] for k, p in after.items()} == {
        k: p["disksizeallocated"] for k, p in before.items()
    }
    assert guest_allocation(cloud, dst) == (0, 0)
    assert not _sim_world().pools.get(env.pools[1]["id"], type("E", (), {"volumes": {}})).volumes


def test_stopped_vm_moves_only_its_volumes(cloud: Cloud) -> None:
    env, vm, _ = _setup(cloud)
    api = cloud.admin
    zone_pool = _zone_pool(api, env)
    api.run("stopVirtualMachine", id=vm["id"])
    data = _volumes(api, vm["id"])["DATADISK"]
    with pytest.raises(ApiError) as err:
        api.call(
            "migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], hostid=env.hosts[1]["id"]
        )
    assert err.value.status == 431 and "migrateto" in err.value.body["errortext"]
    moved = api.run(
        "migrateVirtualMachineWithVolume",
        virtualmachineid=vm["id"],
        **{"migrateto[0].volume": data["id"], "migrateto[0].pool": zone_pool["id"]},
    )["virtualmachine"]
    assert moved["state"] == "Stopped"
    assert _volumes(api, vm["id"])["DATADISK"]["storageid"] == zone_pool["id"]
    assert _pools(api)[zone_pool["id"]]["disksizeallocated"] == 3 * GiB
    started = api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    assert started["state"] == "Running"


def test_bad_requests_are_refused_before_anything_moves(cloud: Cloud) -> None:
    env, vm, _ = _setup(cloud)
    api = cloud.admin
    other = deploy(api, env, name="other", hostid=env.hosts[0]["id"])["virtualmachine"]
    foreign = _volumes(api, other["id"])["ROOT"]
    root = _volumes(api, vm["id"])["ROOT"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "hostid"),
        ({"migrateto[0].volume": root["id"]}, "needs both volume and pool"),
        (
            {"migrateto[0].volume": foreign["id"], "migrateto[0].pool": env.pools[1]["id"]},
            "not attached",
        ),
        (
            {"migrateto[0].volume": root["id"], "migrateto[0].pool": env.pools[0]["id"]},
            "already on pool",
        ),
        (
            {
                "hostid": env.hosts[0]["id"],
                "migrateto[0].volume": root["id"],
                "migrateto[0].pool": env.pools[1]["id"],
            },
            "cannot reach pool",
        ),
        (  # no hostid: the VM stays on its host, which cannot reach the other cluster's pool
            {"migrateto[0].volume": root["id"], "migrateto[0].pool": env.pools[1]["id"]},
            "cannot reach pool",
        ),
        ({"migrateto[0].volume": root["id"], "migrateto[0].pool": "nope"}, "Unable to find"),
    ]
    for params, text in cases:
        with pytest.raises(ApiError) as err:
            api.call("migrateVirtualMachineWithVolume", virtualmachineid=vm["id"], **params)
        assert err.value.status == 431, params
        assert text in err.value.body["errortext"], (params, err.value.body)
    now = api.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert now["state"] == "Running" and now["hostid"] == env.hosts[0]["id"]
