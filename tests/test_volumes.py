"""Data volumes: create, attach/detach, resize, migrate, destroy/recover/delete, tags."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from cumulo.drivers import registry
from tests.infra_helpers import make_user
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import Env, GiB, build, deploy, insert_network


def _offerings(api) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    fixed = api.call("createDiskOffering", name="d5", disksize=5, displaytext="5G")
    custom = api.call("createDiskOffering", name="dc", customized=True, displaytext="custom")
    return fixed["diskoffering"]["id"], custom["diskoffering"]["id"]


def _allocated(api) -> int:  # type: ignore[no-untyped-def]
    return sum(p["disksizeallocated"] for p in api.call("listStoragePools")["storagepool"])


def test_create_attach_detach_delete(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    vm = deploy(api, env, name="host1")["virtualmachine"]
    before = _allocated(api)
    vol = api.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed, name="data1")
    vol = vol["volume"]
    assert vol["state"] == "Allocated" and vol["size"] == 5 * GiB and "storageid" not in vol
    attached = api.run("attachVolume", id=vol["id"], virtualmachineid=vm["id"])["volume"]
    assert attached["state"] == "Ready" and attached["deviceid"] == 1
    assert attached["virtualmachineid"] == vm["id"] and attached["path"]
    assert _allocated(api) == before + 5 * GiB
    with pytest.raises(ApiError) as err:
        api.call("deleteVolume", id=vol["id"])
    assert err.value.status == 536
    detached = api.run("detachVolume", id=vol["id"])["volume"]
    assert "virtualmachineid" not in detached and detached["state"] == "Ready"
    assert api.call("deleteVolume", id=vol["id"]) == {"success": True}
    assert _allocated(api) == before
    assert api.call("listVolumes", id=vol["id"]).get("volume") is None


def test_volume_attached_to_unstarted_vm_is_created_on_start(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    vm = deploy(api, env, name="later", startvm=False)["virtualmachine"]
    vol = api.run("createVolume", diskofferingid=fixed, virtualmachineid=vm["id"])["volume"]
    assert vol["state"] == "Ready" and "path" not in vol  # attached, not yet on a pool
    api.run("startVirtualMachine", id=vm["id"])
    vols = api.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    assert len(vols) == 2 and all(v.get("path") and v["storageid"] for v in vols)
    assert len({v["storageid"] for v in vols}) == 1


def test_resize_custom_and_shrink_guard(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, custom = _offerings(api)
    with pytest.raises(ApiError) as err:
        api.run("createVolume", zoneid=env.zone["id"], diskofferingid=custom)
    assert err.value.status == 431 and "size" in err.value.body["errortext"]
    vol = api.run("createVolume", zoneid=env.zone["id"], diskofferingid=custom, size=2)["volume"]
    grown = api.run("resizeVolume", id=vol["id"], size=4)["volume"]
    assert grown["size"] == 4 * GiB
    with pytest.raises(ApiError) as err:
        api.run("resizeVolume", id=vol["id"], size=1)
    assert "shrinkok" in err.value.body["errortext"]
    assert api.run("resizeVolume", id=vol["id"], size=1, shrinkok=True)["volume"]["size"] == GiB
    fixed_vol = api.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed)["volume"]
    with pytest.raises(ApiError):
        api.run("resizeVolume", id=fixed_vol["id"], size=9)


def _second_pool(api: ApiClient, env: Env, name: str) -> dict[str, Any]:
    """Another cluster-scoped NFS pool in the first cluster, to migrate volumes to."""
    return api.call(
        "createStoragePool",
        zoneid=env.zone["id"],
        podid=env.pod["id"],
        clusterid=env.clusters[0]["id"],
        name=name,
        scope="cluster",
        url=f"nfs://10.147.28.6/export/{name.lower()}",
    )["storagepool"]


def test_destroy_recover_and_migrate(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    second = _second_pool(api, env, "PS-extra")
    vm = deploy(api, env, name="mig", diskofferingid=fixed)["virtualmachine"]
    listed = api.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    data = next(v for v in listed if v["type"] == "DATADISK")
    with pytest.raises(ApiError) as err:  # running VM: no live storage migration
        api.run("migrateVolume", volumeid=data["id"], storageid=second["id"])
    assert err.value.status == 431
    api.run("stopVirtualMachine", id=vm["id"])
    moved = api.run("migrateVolume", volumeid=data["id"], storageid=second["id"])["volume"]
    assert moved["storageid"] == second["id"] and moved["path"] != data["path"]
    pools = {p["id"]: p for p in api.call("listStoragePools")["storagepool"]}
    assert pools[second["id"]]["disksizeallocated"] == 5 * GiB
    api.run("detachVolume", id=data["id"])
    destroyed = api.run("destroyVolume", id=data["id"])["volume"]
    assert destroyed["state"] == "Destroy" and destroyed["destroyed"] is True
    assert api.call("recoverVolume", id=data["id"])["volume"]["state"] == "Ready"
    api.run("destroyVolume", id=data["id"], expunge=True)
    assert api.call("listStoragePools", id=second["id"])["storagepool"][0]["disksizeallocated"] == 0


def test_volume_limit_and_tags(cloud: Cloud) -> None:
    env = build(cloud)
    user = make_user(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    alice = api.call("listAccounts", name="alice", listall=True)["account"][0]
    api.call(
        "updateResourceLimit", resourcetype=2, max=2, account="alice", domainid=alice["domainid"]
    )
    vols = [
        user.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed)["volume"]
        for _ in range(2)
    ]
    with pytest.raises(ApiError) as err:
        user.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed)
    assert err.value.status == 532
    user.call("deleteVolume", id=vols[0]["id"])
    user.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed)
    user.run(
        "createTags",
        resourcetype="Volume",
        resourceids=vols[1]["id"],
        **{"tags[0].key": "tier", "tags[0].value": "gold"},
    )
    found = user.call("listVolumes", **{"tags[0].key": "tier", "tags[0].value": "gold"})
    assert [v["id"] for v in found["volume"]] == [vols[1]["id"]]
    assert found["volume"][0]["tags"][0]["value"] == "gold"
    # UserVm tags too (its ROOT disk is a volume: make room)
    api.call(
        "updateResourceLimit", resourcetype=2, max=5, account="alice", domainid=alice["domainid"]
    )
    net = insert_network(cloud, env.zone["id"], _pk(cloud), "10.3.3.0/24")
    vm = deploy(user, env, name="tagged", networkids=net)["virtualmachine"]
    user.run(
        "createTags",
        resourcetype="UserVm",
        resourceids=vm["id"],
        **{"tags[0].key": "role", "tags[0].value": "web"},
    )
    listed = user.call("listVirtualMachines", **{"tags[0].key": "role"})["virtualmachine"]
    assert [v["id"] for v in listed] == [vm["id"]] and listed[0]["tags"][0]["key"] == "role"


def _pk(cloud: Cloud) -> int:
    from sqlalchemy import select

    from cumulo.db.models.account import Account

    return cloud.rt.db.run(
        lambda s: s.execute(select(Account.id).where(Account.name == "alice")).scalar_one()
    )


def _volume_counts(api) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    (acct,) = api.call("listAccounts", name="admin")["account"]
    return acct["volumetotal"], acct["primarystoragetotal"]


def test_destroyed_volume_expunged_by_storage_cleanup(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    vm = deploy(api, env, name="cleanup")["virtualmachine"]
    before, counts = _allocated(api), _volume_counts(api)
    vol = api.run("createVolume", zoneid=env.zone["id"], diskofferingid=fixed, name="gone")
    vid = vol["volume"]["id"]
    api.run("attachVolume", id=vid, virtualmachineid=vm["id"])
    api.run("detachVolume", id=vid)
    assert _allocated(api) == before + 5 * GiB
    assert _volume_counts(api) == (counts[0] + 1, counts[1] + 5)
    api.call("updateConfiguration", name="storage.cleanup.interval", value="1")
    api.run("destroyVolume", id=vid)
    time.sleep(2.5)  # a few sweeps: the default storage.cleanup.delay (a day) keeps it
    assert api.call("listVolumes", id=vid)["volume"][0]["state"] == "Destroy"
    api.call("updateConfiguration", name="storage.cleanup.delay", value="1")
    deadline = time.monotonic() + 15
    while api.call("listVolumes", id=vid).get("volume") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api.call("listVolumes", id=vid).get("volume") is None
    assert _allocated(api) == before
    assert _volume_counts(api) == counts
    assert api.call("listEvents", type="VOLUME.DELETE")["count"] == 1


def test_vm_start_refused_while_a_volume_migrates(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = build(cloud)
    api = cloud.admin
    fixed, _ = _offerings(api)
    second = _second_pool(api, env, "PS-slow")
    vm = deploy(api, env, name="mover", diskofferingid=fixed)["virtualmachine"]
    api.run("stopVirtualMachine", id=vm["id"])
    data = next(
        v
        for v in api.call("listVolumes", virtualmachineid=vm["id"])["volume"]
        if v["type"] == "DATADISK"
    )
    # The copy to the new pool takes a while, as on real storage.
    driver = registry.driver_for("Simulator")
    copy = driver.create_volume
    released = threading.Event()

    def slow_copy(*args: object, **kwargs: object) -> object:
        released.wait(10)
        return copy(*args, **kwargs)

    monkeypatch.setattr(driver, "create_volume", slow_copy)
    job = api.call("migrateVolume", volumeid=data["id"], storageid=second["id"])["jobid"]
    try:
        deadline = time.monotonic() + 10  # the job marks the volume when it runs
        while time.monotonic() < deadline:
            state = api.call("listVolumes", id=data["id"])["volume"][0]["state"]
            if state == "Migrating":
                break
            time.sleep(0.1)
        assert state == "Migrating"
        with pytest.raises(ApiError) as err:
            api.call("startVirtualMachine", id=vm["id"])
        assert err.value.status == 431 and "migrat" in str(err.value.body)
    finally:
        released.set()
    assert api.wait_job(job)["jobstatus"] == 1
    assert api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]["state"] == "Running"
