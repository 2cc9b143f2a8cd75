"""Volume snapshots through the simulator, and snapshot policies."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy


def _root(api, vm_id: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    vols = api.call("listVolumes", virtualmachineid=vm_id, type="ROOT")["volume"]
    return vols[0]  # type: ignore[no-any-return]


def test_snapshot_create_list_revert_delete(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="snappy")["virtualmachine"]
    root = _root(api, vm["id"])
    accepted = api.call("createSnapshot", volumeid=root["id"], name="s1")
    snap = api.wait_job(accepted["jobid"])["jobresult"]["snapshot"]
    assert snap["id"] == accepted["id"] and snap["state"] == "BackedUp"
    assert snap["volumeid"] == root["id"] and snap["snapshottype"] == "MANUAL"
    assert snap["virtualsize"] == root["size"]
    assert api.call("listSnapshots", volumeid=root["id"])["count"] == 1
    assert _root(api, vm["id"])["state"] == "Ready"
    with pytest.raises(ApiError) as err:  # running VM
        api.call("revertSnapshot", id=snap["id"])
    assert err.value.status == 431 and "stop it" in err.value.body["errortext"]
    api.run("stopVirtualMachine", id=vm["id"])
    assert api.run("revertSnapshot", id=snap["id"])["snapshot"]["id"] == snap["id"]
    assert api.run("deleteSnapshot", id=snap["id"]) == {"success": True}
    assert api.call("listSnapshots").get("snapshot") is None


def test_failed_snapshot_leaves_volume_ready_and_nothing_charged(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="snapfail")["virtualmachine"]
    root = _root(api, vm["id"])
    api.call("configureSimulator", name="CreateSnapshotCommand", value="result:fail", count=1)
    with pytest.raises(ApiError) as err:
        api.run("createSnapshot", volumeid=root["id"])
    assert "Simulated failure" in err.value.body["errortext"]
    assert _root(api, vm["id"])["state"] == "Ready"
    assert api.call("listSnapshots").get("snapshot") is None
    assert api.run("createSnapshot", volumeid=root["id"])["snapshot"]["state"] == "BackedUp"


def test_unstarted_volume_cannot_be_snapshotted(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="cold", startvm=False)["virtualmachine"]
    with pytest.raises(ApiError) as err:
        api.call("createSnapshot", volumeid=_root(api, vm["id"])["id"])
    assert err.value.status == 431


def test_snapshot_policies(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="policy")["virtualmachine"]
    root = _root(api, vm["id"])
    base = {"volumeid": root["id"], "timezone": "Europe/Berlin", "maxsnaps": 3}
    daily = api.call("createSnapshotPolicy", intervaltype="DAILY", schedule="30:02", **base)
    policy = daily["snapshotpolicy"]
    assert policy["intervaltype"] == 1 and policy["schedule"] == "30:02"
    again = api.call("createSnapshotPolicy", intervaltype="daily", schedule="00:04", **base)
    assert again["snapshotpolicy"]["id"] == policy["id"]  # one per interval: updated
    for bad in (("HOURLY", "75"), ("WEEKLY", "0:0:9"), ("YEARLY", "1"), ("DAILY", "x")):
        with pytest.raises(ApiError) as err:
            api.call("createSnapshotPolicy", intervaltype=bad[0], schedule=bad[1], **base)
        assert err.value.status == 431
    with pytest.raises(ApiError):
        api.call(
            "createSnapshotPolicy",
            intervaltype="HOURLY",
            schedule="5",
            volumeid=root["id"],
            timezone="Mars/Olympus",
            maxsnaps=1,
        )
    api.call("createSnapshotPolicy", intervaltype="HOURLY", schedule="5", **base)
    listed = api.call("listSnapshotPolicies", volumeid=root["id"])
    assert listed["count"] == 2
    api.call("deleteSnapshotPolicies", id=policy["id"])
    assert api.call("listSnapshotPolicies", volumeid=root["id"])["count"] == 1
