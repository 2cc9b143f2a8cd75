"""restoreVirtualMachine: a new root disk from the template, the old one out, charges exact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import GiB, build, deploy, insert_network, insert_template


def _counts(api: Any) -> tuple[int, float]:
    acct = api.call("listAccounts", name="admin", listall=True)["account"][0]
    return acct["volumetotal"], acct["primarystoragetotal"]


def _root(api: Any, vm_id: str) -> dict[str, Any]:
    vols = api.call("listVolumes", virtualmachineid=vm_id)["volume"]
    return next(v for v in vols if v["type"] == "ROOT")


def _pool_volumes(pool_id: str) -> set[str]:
    from cumulo.drivers.registry import driver_for

    return set(driver_for("Simulator").world.pools[pool_id].volumes)  # type: ignore[attr-defined]


def test_restore_running_vm_replaces_root_and_keeps_counts(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="again")["virtualmachine"]
    old = _root(api, vm["id"])
    counts = _counts(api)
    done = api.run("restoreVirtualMachine", virtualmachineid=vm["id"], expunge=True)
    assert done["virtualmachine"]["state"] == "Running"
    new = _root(api, vm["id"])
    assert new["id"] != old["id"] and new["state"] == "Ready" and new["path"] != old["path"]
    assert new["size"] == old["size"] and new["storageid"] == old["storageid"]
    assert api.call("listVolumes", id=old["id"]).get("volume") is None
    assert _counts(api) == counts
    assert old["path"] not in _pool_volumes(old["storageid"])
    assert new["path"] in _pool_volumes(new["storageid"])
    pool = api.call("listStoragePools", id=new["storageid"])["storagepool"][0]
    assert pool["disksizeallocated"] == new["size"]
    assert [e["type"] for e in api.call("listEvents", type="VM.RESTORE")["event"]] == ["VM.RESTORE"]


def test_restore_from_another_template_keeps_old_root_destroyed(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    other = insert_template(cloud, env.zone["id"], size=3 * GiB)
    vm = deploy(api, env, name="switch", startvm=False)["virtualmachine"]
    api.run("startVirtualMachine", id=vm["id"])
    api.run("stopVirtualMachine", id=vm["id"])
    old = _root(api, vm["id"])
    volumes, storage = _counts(api)
    with pytest.raises(ApiError) as err:
        api.run(
            "restoreVirtualMachine", virtualmachineid=vm["id"], templateid=other, rootdisksize=1
        )
    assert err.value.status == 431 and "smaller than template" in err.value.body["errortext"]
    assert _counts(api) == (volumes, storage)
    restored = api.run(
        "restoreVirtualMachine", virtualmachineid=vm["id"], templateid=other, rootdisksize=4
    )["virtualmachine"]
    assert restored["state"] == "Stopped" and restored["templateid"] == other
    new = _root(api, vm["id"])
    assert new["size"] == 4 * GiB and new["state"] == "Allocated"
    gone = api.call("listVolumes", id=old["id"])["volume"][0]
    assert gone["state"] == "Destroy" and "virtualmachineid" not in gone
    assert _counts(api) == (volumes + 1, storage + 4)
    assert api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert _root(api, vm["id"])["state"] == "Ready"


def test_restore_refused_over_the_limit_and_with_vm_snapshots(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    user = make_user(cloud)
    alice = api.call("listAccounts", name="alice", listall=True)["account"][0]
    net = insert_network(cloud, env.zone["id"], _account_pk(cloud, "alice"), "10.2.2.0/24")
    mine = deploy(user, env, name="mine", networkids=net)["virtualmachine"]
    old = _root(user, mine["id"])
    api.call(
        "updateResourceLimit", resourcetype=10, max=3, account="alice", domainid=alice["domainid"]
    )
    with pytest.raises(ApiError) as err:  # a second 2 GiB root does not fit under 3 GiB
        user.run("restoreVirtualMachine", virtualmachineid=mine["id"])
    assert err.value.status == 532
    assert _root(user, mine["id"])["id"] == old["id"]
    api.call(
        "updateResourceLimit", resourcetype=10, max=-1, account="alice", domainid=alice["domainid"]
    )
    snap = user.call("createVMSnapshot", virtualmachineid=mine["id"])
    user.wait_job(snap["jobid"])
    with pytest.raises(ApiError) as err:
        user.run("restoreVirtualMachine", virtualmachineid=mine["id"])
    assert err.value.status == 431 and "VM snapshots" in err.value.body["errortext"]
    assert _root(user, mine["id"])["id"] == old["id"]
    # The simulated world outlives the test: leave no VM snapshot behind in it.
    user.run("deleteVMSnapshot", vmsnapshotid=snap["id"])


def _account_pk(cloud: Cloud, name: str) -> int:
    from sqlalchemy import select

    from cumulo.db.models.account import Account

    return cloud.rt.db.run(  # type: ignore[no-any-return]
        lambda s: s.execute(select(Account.id).where(Account.name == name)).scalar_one()
    )
