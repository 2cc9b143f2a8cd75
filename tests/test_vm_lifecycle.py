"""VM lifecycle through the API: stop/start/reboot, destroy/recover/expunge, migrate, scale."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy, guest_allocation, insert_network

MiB = 1024 * 1024


def _events(cloud: Cloud, vm_id: str) -> list[str]:
    evs = cloud.admin.call("listEvents", listall=True, pagesize=500, page=1).get("event", [])
    return [e["type"] for e in evs if e.get("resourceid", e.get("resourceuuid")) == vm_id] or [
        e["type"] for e in evs
    ]


def test_stop_start_reboot_keep_capacity_exact(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="life")["virtualmachine"]
    host_id = vm["hostid"]
    stopped = api.run("stopVirtualMachine", id=vm["id"])["virtualmachine"]
    assert stopped["state"] == "Stopped" and "hostid" not in stopped
    assert guest_allocation(cloud, host_id)[1] == 0
    with pytest.raises(ApiError) as err:
        api.call("stopVirtualMachine", id=vm["id"])
    assert err.value.status == 431
    started = api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    assert started["state"] == "Running"
    assert guest_allocation(cloud, started["hostid"])[1] == 512 * MiB
    assert api.run("rebootVirtualMachine", id=vm["id"])["virtualmachine"]["state"] == "Running"
    types = set(_events(cloud, vm["id"]))
    assert {"VM.CREATE", "VM.START", "VM.STOP", "VM.REBOOT"} <= types


def test_failed_stop_reverts_unless_forced(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="stubborn")["virtualmachine"]
    api.call("configureSimulator", name="StopCommand", value="result:fail", count=2)
    with pytest.raises(ApiError) as err:
        api.run("stopVirtualMachine", id=vm["id"])
    assert "Simulated failure" in str(err.value.body)
    assert api.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]["state"] == "Running"
    forced = api.run("stopVirtualMachine", id=vm["id"], forced=True)["virtualmachine"]
    assert forced["state"] == "Stopped"


def test_destroy_recover_expunge(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    vm = deploy(api, env, name="gone", diskofferingid=_disk_offering(api))["virtualmachine"]
    vols = api.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    assert {v["type"] for v in vols} == {"ROOT", "DATADISK"}
    destroyed = api.run("destroyVirtualMachine", id=vm["id"])["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    recovered = api.call("recoverVirtualMachine", id=vm["id"])["virtualmachine"]
    assert recovered["state"] == "Stopped"
    api.run("destroyVirtualMachine", id=vm["id"])
    assert api.run("expungeVirtualMachine", id=vm["id"]) == {"success": True}
    assert api.call("listVirtualMachines", id=vm["id"]).get("virtualmachine") is None
    # The data disk was detached on destroy and survives; the root disk is gone.
    left = api.call("listVolumes", listall=True)["volume"]
    assert [v["type"] for v in left] == ["DATADISK"] and "virtualmachineid" not in left[0]
    pools = api.call("listStoragePools")["storagepool"]
    assert sum(p["disksizeallocated"] for p in pools) == left[0]["size"]


def _disk_offering(api) -> str:  # type: ignore[no-untyped-def]
    return api.call("createDiskOffering", name="d5", disksize=5, displaytext="5G")["diskoffering"][
        "id"
    ]


def test_destroyed_vm_expunged_after_delay(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    api.call("updateConfiguration", name="expunge.delay", value="1")
    api.call("updateConfiguration", name="expunge.interval", value="1")
    vm = deploy(api, env, name="sweep")["virtualmachine"]
    api.run("destroyVirtualMachine", id=vm["id"])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if api.call("listVirtualMachines", id=vm["id"]).get("virtualmachine") is None:
            break
        time.sleep(0.2)
    assert api.call("listVirtualMachines", id=vm["id"]).get("virtualmachine") is None


def test_user_limit_532_and_user_sees_only_own_vms(cloud: Cloud) -> None:
    env = build(cloud)
    user = make_user(cloud)
    alice = cloud.admin.call("listAccounts", name="alice", listall=True)["account"][0]
    net = insert_network(cloud, env.zone["id"], _account_pk(cloud, "alice"), "10.2.2.0/24")
    cloud.admin.call(
        "updateResourceLimit", resourcetype=0, max=1, account="alice", domainid=alice["domainid"]
    )
    mine = deploy(user, env, name="a1", networkids=net)["virtualmachine"]
    assert mine["account"] == "alice" and "hostid" not in mine  # no host details for users
    with pytest.raises(ApiError) as err:
        deploy(user, env, name="a2", networkids=net)
    assert err.value.status == 532
    deploy(cloud.admin, env, name="admins")
    assert [v["name"] for v in user.call("listVirtualMachines")["virtualmachine"]] == ["a1"]
    with pytest.raises(ApiError) as err:  # someone else's network
        deploy(user, env, name="a3", networkids=env.network_id)
    assert err.value.status in (531, 532)


def _account_pk(cloud: Cloud, name: str) -> int:
    from sqlalchemy import select

    from cumulo.db.models.account import Account

    return cloud.rt.db.run(
        lambda s: s.execute(select(Account.id).where(Account.name == name)).scalar_one()
    )


def test_migrate_and_find_hosts(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=2)
    api = cloud.admin
    vm = deploy(api, env, name="mover")["virtualmachine"]
    found = api.call("findHostsForMigration", virtualmachineid=vm["id"])["host"]
    other = [h["id"] for h in env.hosts if h["id"] != vm["hostid"]]
    assert [h["id"] for h in found] == other
    moved = api.run("migrateVirtualMachine", virtualmachineid=vm["id"], hostid=other[0])
    assert moved["virtualmachine"]["hostid"] == other[0]
    assert guest_allocation(cloud, vm["hostid"])[1] == 0
    assert guest_allocation(cloud, other[0])[1] == 512 * MiB


def test_maintenance_evacuates_vms(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=2)
    api = cloud.admin
    first = env.hosts[0]["id"]
    vms = [deploy(api, env, name=f"e{i}", hostid=first)["virtualmachine"] for i in range(3)]
    host = api.run("prepareHostForMaintenance", id=first)["host"]
    assert host["resourcestate"] == "Maintenance"
    for vm in vms:
        now = api.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
        assert now["state"] == "Running" and now["hostid"] == env.hosts[1]["id"]
    assert guest_allocation(cloud, first)[1] == 0


def test_change_service_offering_when_stopped(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    big = api.call("createServiceOffering", name="big", cpunumber=2, cpuspeed=1000, memory=1024)[
        "serviceoffering"
    ]
    vm = deploy(api, env, name="grow")["virtualmachine"]
    with pytest.raises(ApiError) as err:
        api.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=big["id"])
    assert err.value.status == 431
    api.run("stopVirtualMachine", id=vm["id"])
    changed = api.call("changeServiceForVirtualMachine", id=vm["id"], serviceofferingid=big["id"])
    got = changed["virtualmachine"]
    assert (got["cpunumber"], got["memory"], got["serviceofferingname"]) == (2, 1024, "big")
    started = api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    assert guest_allocation(cloud, started["hostid"])[1] == 1024 * MiB
    updated = api.call("updateVirtualMachine", id=vm["id"], displayname="Grown", group="g1")
    assert updated["virtualmachine"]["displayname"] == "Grown"
    assert updated["virtualmachine"]["group"] == "g1"
    # groupid is an instance group's UUID, not its name: an unknown one is refused.
    group_id = updated["virtualmachine"]["groupid"]
    assert api.call("listVirtualMachines", groupid=group_id)["virtualmachine"][0]["id"] == vm["id"]
    with pytest.raises(ApiError) as err:
        api.call("listVirtualMachines", groupid=str(uuid.uuid4()))
    assert err.value.status == 431
