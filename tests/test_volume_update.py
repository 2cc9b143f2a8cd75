"""updateVolume: owner fields, delete protection, and the root admin's record corrections."""

from __future__ import annotations

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import GiB, build

CUSTOM = "0a1b2c3d-0000-4000-8000-00000000d15c"


def test_update_volume_fields_and_protection(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    offering = api.call("createDiskOffering", name="d2", disksize=2, displaytext="2G")
    vol = api.run(
        "createVolume", zoneid=env.zone["id"], diskofferingid=offering["diskoffering"]["id"]
    )["volume"]
    renamed = api.run(
        "updateVolume", id=vol["id"], name="scratch", deleteprotection=True, customid=CUSTOM
    )["volume"]
    assert renamed["name"] == "scratch" and renamed["deleteprotection"] is True
    assert renamed["id"] == CUSTOM
    for command in ("deleteVolume", "destroyVolume"):
        with pytest.raises(ApiError) as err:
            if command == "destroyVolume":
                api.run(command, id=CUSTOM)
            else:
                api.call(command, id=CUSTOM)
        assert err.value.status == 431 and "deleteprotection=false" in err.value.body["errortext"]
    other = api.run(
        "createVolume", zoneid=env.zone["id"], diskofferingid=offering["diskoffering"]["id"]
    )["volume"]
    with pytest.raises(ApiError) as err:
        api.run("updateVolume", id=other["id"], customid=CUSTOM)
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.run("updateVolume", id=other["id"], customid="not-a-uuid")
    assert err.value.status == 431 and "not a UUID" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.run("updateVolume", id=other["id"], state="Sleepy")
    assert err.value.status == 431 and "Ready" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        api.run("updateVolume", name="x")
    assert err.value.status == 431 and "id is required" in err.value.body["errortext"]
    api.run("updateVolume", id=CUSTOM, deleteprotection=False)
    assert api.call("deleteVolume", id=CUSTOM) == {"success": True}


def test_admin_corrects_pool_path_and_state(cloud: Cloud) -> None:
    env = build(cloud, clusters=2, hosts_per_cluster=1)
    api = cloud.admin
    vm = api.run(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=env.network_id,
        hostid=env.hosts[0]["id"],
    )["virtualmachine"]
    root = api.call("listVolumes", virtualmachineid=vm["id"])["volume"][0]
    p0, p1 = env.pools[0]["id"], env.pools[1]["id"]
    before = {p["id"]: p["disksizeallocated"] for p in api.call("listStoragePools")["storagepool"]}
    fixed = api.run(
        "updateVolume", id=root["id"], storageid=p1, path="repaired/path", chaininfo="{}"
    )["volume"]
    assert fixed["storageid"] == p1 and fixed["path"] == "repaired/path"
    assert fixed["chaininfo"] == "{}"
    after = {p["id"]: p["disksizeallocated"] for p in api.call("listStoragePools")["storagepool"]}
    assert after[p0] == before[p0] - root["size"] and after[p1] == before[p1] + root["size"]
    assert root["size"] == 2 * GiB
    assert api.run("updateVolume", id=root["id"], state="Error")["volume"]["state"] == "Error"
    user = make_user(cloud)
    with pytest.raises(ApiError) as err:  # not hers, and admin-only fields
        user.run("updateVolume", id=root["id"], path="x")
    assert err.value.status == 531
    types = [e["type"] for e in api.call("listEvents", type="VOLUME.UPDATE")["event"]]
    assert len(types) == 2
