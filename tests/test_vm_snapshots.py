"""VM snapshots on the simulator: create, list, revert, delete, and what they block."""

from __future__ import annotations

from typing import Any

import pytest

from cumulo.drivers import registry
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import make_tenant
from tests.vm_helpers import build, deploy


def _snap(api: Any, vm_id: str, **params: Any) -> dict[str, Any]:
    accepted = api.call("createVMSnapshot", virtualmachineid=vm_id, **params)
    snap = api.wait_job(accepted["jobid"])["jobresult"]["vmsnapshot"]
    assert snap["id"] == accepted["id"]
    return snap  # type: ignore[no-any-return]


def _listed(api: Any, **params: Any) -> list[dict[str, Any]]:
    return api.call("listVMSnapshot", **params).get("vmSnapshot", [])  # type: ignore[no-any-return]


def _vm_state(api: Any, vm_id: str) -> str:
    return api.call("listVirtualMachines", id=vm_id)["virtualmachine"][0]["state"]  # type: ignore[no-any-return]


def _refused(api: Any, command: str, **params: Any) -> str:
    with pytest.raises(ApiError) as err:
        api.call(command, **params)
    assert err.value.status == 431, err.value.body
    return str(err.value.body["errortext"])


def test_chain_revert_and_delete(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="vs")["virtualmachine"]
    with pytest.raises(ApiError):  # memory only on a running VM; this one runs: fine below
        api.call("createVMSnapshot", virtualmachineid=vm["id"], quiescevm=True)
    mem = _snap(api, vm["id"], name="with-ram", description="d1", snapshotmemory=True)
    assert mem["type"] == "DiskAndMemory" and mem["state"] == "Ready" and mem["current"] is True
    assert mem["displayname"] == "with-ram" and mem["name"].endswith(mem["name"][-14:])
    assert "_VS_" in mem["name"] and "parent" not in mem
    disk = _snap(api, vm["id"], name="disk-only")
    assert disk["type"] == "Disk" and disk["parent"] == mem["id"]
    assert disk["parentName"] == "with-ram"
    listed = {s["id"]: s for s in _listed(api, virtualmachineid=vm["id"])}
    assert listed[mem["id"]]["current"] is False and listed[disk["id"]]["current"] is True
    assert _listed(api, vmsnapshotid=mem["id"])[0]["virtualmachineid"] == vm["id"]
    assert [s["id"] for s in _listed(api, name="disk-only")] == [disk["id"]]

    # Disk-only revert wants the VM stopped; a memory revert leaves it Running.
    text = _refused(api, "revertToVMSnapshot", vmsnapshotid=disk["id"])
    assert "stop it" in text
    reverted = api.run("revertToVMSnapshot", vmsnapshotid=mem["id"])["virtualmachine"]
    assert reverted["id"] == vm["id"] and reverted["state"] == "Running"
    assert _listed(api, vmsnapshotid=mem["id"])[0]["current"] is True
    api.run("stopVirtualMachine", id=vm["id"])
    assert (
        api.run("revertToVMSnapshot", vmsnapshotid=disk["id"])["virtualmachine"]["state"]
        == "Stopped"
    )
    # A memory snapshot reverted on a stopped VM starts it.
    assert (
        api.run("revertToVMSnapshot", vmsnapshotid=mem["id"])["virtualmachine"]["state"]
        == "Running"
    )

    # Deleting the parent hangs the child off the grandparent (none) and keeps it.
    assert api.run("deleteVMSnapshot", vmsnapshotid=mem["id"]) == {"success": True}
    left = _listed(api, virtualmachineid=vm["id"])
    assert [s["id"] for s in left] == [disk["id"]] and "parent" not in left[0]
    kinds = {e["type"] for e in api.call("listEvents", pagesize=500, page=1)["event"]}
    assert {"VMSNAPSHOT.CREATE", "VMSNAPSHOT.REVERTTO", "VMSNAPSHOT.DELETE"} <= kinds
    api.run("deleteVMSnapshot", vmsnapshotid=disk["id"])
    assert _listed(api) == []


def test_vm_with_snapshots_refuses_disk_changes_and_expunge_removes_them(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="busy")["virtualmachine"]
    offering = api.call("createDiskOffering", name="d1", displaytext="d1", customized=True)
    disk = {"zoneid": env.zone["id"], "diskofferingid": offering["diskoffering"]["id"], "size": 1}
    data = api.run("createVolume", virtualmachineid=vm["id"], **disk)["volume"]
    spare = api.run("createVolume", **disk)["volume"]
    snap = _snap(api, vm["id"])
    assert "please specify a VM that does not have VM snapshots" in _refused(
        api, "attachVolume", id=spare["id"], virtualmachineid=vm["id"]
    )
    assert "Unable to detach volume" in _refused(api, "detachVolume", id=data["id"])
    assert "cannot be resized" in _refused(api, "resizeVolume", id=data["id"], size=5)
    pool = env.pools[0]["id"]
    assert "remove all VM snapshots" in _refused(
        api, "migrateVolume", volumeid=data["id"], storageid=pool
    )
    bigger = api.call("createServiceOffering", name="big", cpunumber=1, cpuspeed=500, memory=1024)[
        "serviceoffering"
    ]
    api.run("stopVirtualMachine", id=vm["id"])
    assert "remove VM snapshots" in _refused(
        api, "changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=bigger["id"]
    )
    # Tags work on VM snapshots.
    api.run(
        "createTags",
        resourcetype="VMSnapshot",
        **{"resourceids": snap["id"], "tags[0].key": "tier", "tags[0].value": "gold"},
    )
    tagged = _listed(api, **{"tags[0].key": "tier", "tags[0].value": "gold"})
    assert [s["id"] for s in tagged] == [snap["id"]] and tagged[0]["tags"][0]["value"] == "gold"
    world = registry.driver_for("Simulator").world  # type: ignore[attr-defined]
    held = set(world.vm_snapshots)
    assert len(held) == 1
    api.run("destroyVirtualMachine", id=vm["id"], expunge=True)
    assert _listed(api) == [] and not held & set(world.vm_snapshots)


def test_faults_leave_stable_states(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="faulty")["virtualmachine"]
    api.call("configureSimulator", name="CreateVMSnapshotCommand", value="result:fail", count=1)
    with pytest.raises(ApiError) as err:
        api.run("createVMSnapshot", virtualmachineid=vm["id"])
    assert "Simulated failure" in err.value.body["errortext"]
    assert _listed(api) == [] and _vm_state(api, vm["id"]) == "Running"
    snap = _snap(api, vm["id"], snapshotmemory=True)
    api.call("configureSimulator", name="RevertToVMSnapshotCommand", value="result:fail", count=1)
    with pytest.raises(ApiError):
        api.run("revertToVMSnapshot", vmsnapshotid=snap["id"])
    assert _listed(api)[0]["state"] == "Ready" and _vm_state(api, vm["id"]) == "Running"
    api.call("configureSimulator", name="DeleteVMSnapshotCommand", value="result:fail", count=1)
    with pytest.raises(ApiError):
        api.run("deleteVMSnapshot", vmsnapshotid=snap["id"])
    assert _listed(api)[0]["state"] == "Error"
    api.run("deleteVMSnapshot", vmsnapshotid=snap["id"])  # an Error snapshot can go
    assert _listed(api) == []
    api.run("stopVirtualMachine", id=vm["id"])
    assert "Running" in _refused(
        api, "createVMSnapshot", virtualmachineid=vm["id"], snapshotmemory=True
    )


def test_visibility_and_limits(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="mine")["virtualmachine"]
    snap = _snap(api, vm["id"])
    other = make_tenant(cloud, "stranger").client
    assert _listed(other) == []
    with pytest.raises(ApiError) as err:
        other.call("deleteVMSnapshot", vmsnapshotid=snap["id"])
    assert err.value.status == 531
    api.call("updateConfiguration", name="vmsnapshot.max", value="1")
    assert "can just have : 1 VM snapshots" in _refused(
        api, "createVMSnapshot", virtualmachineid=vm["id"]
    )


def test_interrupted_jobs_are_compensated_to_stable_states(cloud: Cloud) -> None:
    """What an adopting node runs when a VM snapshot job's node died mid-way."""
    from types import SimpleNamespace

    from sqlalchemy import update

    from cumulo.api.declaration import lookup
    from cumulo.db.models.vm_snapshot import VMSnapshot
    from cumulo.services.system_vm_monitor import system_caller

    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="adopted")["virtualmachine"]
    ready = _snap(api, vm["id"], snapshotmemory=True)
    db = cloud.rt.db
    job = SimpleNamespace(transaction=lambda fn, **_: db.run(fn), caller=db.run(system_caller))

    def force(uuid: str, state: str) -> int:
        def work(s):  # type: ignore[no-untyped-def]
            s.execute(update(VMSnapshot).where(VMSnapshot.uuid == uuid).values(state=state))
            return s.query(VMSnapshot).filter_by(uuid=uuid).one().id

        return db.run(work)  # type: ignore[no-any-return]

    # A revert cut short: the snapshot is Ready again and can be reverted to.
    snap_id = force(ready["id"], "Reverting")
    text = lookup("revertToVMSnapshot").compensator(job, {"snap_id": snap_id})  # type: ignore[misc]
    assert "Ready" in text and _listed(api)[0]["state"] == "Ready"
    assert api.run("revertToVMSnapshot", vmsnapshotid=ready["id"])["virtualmachine"]["id"]
    # A create cut short: Error and removed, so it blocks nothing on the VM.
    snap_id = force(ready["id"], "Creating")
    text = lookup("createVMSnapshot").compensator(job, {"snap_id": snap_id})  # type: ignore[misc]
    assert "Error" in text and _listed(api) == []
    assert _snap(api, vm["id"])["state"] == "Ready"
