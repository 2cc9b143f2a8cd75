"""Instance groups: CRUD, ownership and visibility, and VMs in groups."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)
from tests.vm_helpers import build, deploy


def _status(fn, *args, **kw) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as err:
        fn(*args, **kw)
    return err.value.status


def test_create_list_rename_delete(cloud: Cloud) -> None:
    user = make_tenant(cloud, "grace").client
    group = user.call("createInstanceGroup", name="web")["instancegroup"]
    assert group["name"] == "web" and group["account"] == "grace"
    assert group["domainpath"] == "ROOT" and group["created"] and group["domainid"]
    assert _status(user.call, "createInstanceGroup", name="web") == 431  # taken
    assert _status(user.call, "createInstanceGroup", name="  ") == 431
    user.call("createInstanceGroup", name="db")
    listed = user.call("listInstanceGroups")
    assert listed["count"] == 2 and [g["name"] for g in listed["instancegroup"]] == ["web", "db"]
    assert user.call("listInstanceGroups", name="db")["instancegroup"][0]["name"] == "db"
    assert _status(user.call, "updateInstanceGroup", id=group["id"], name="db") == 431
    renamed = user.call("updateInstanceGroup", id=group["id"], name="front")["instancegroup"]
    assert renamed["name"] == "front" and renamed["id"] == group["id"]
    assert user.call("deleteInstanceGroup", id=group["id"])["success"] is True
    assert [g["name"] for g in user.call("listInstanceGroups")["instancegroup"]] == ["db"]
    assert _status(user.call, "updateInstanceGroup", id=group["id"], name="x") == 431
    # The name is free again once the group is gone.
    assert user.call("createInstanceGroup", name="web")["instancegroup"]["id"] != group["id"]


def test_visibility_like_other_account_resources(cloud: Cloud) -> None:
    sub = make_domain(cloud, "igsub")
    ann = make_tenant(cloud, "ann", sub).client
    ben = make_tenant(cloud, "ben", sub).client
    mine = ann.call("createInstanceGroup", name="shared-name")["instancegroup"]
    ben.call("createInstanceGroup", name="shared-name")  # names are per account
    assert [g["id"] for g in ann.call("listInstanceGroups")["instancegroup"]] == [mine["id"]]
    assert _status(ben.call, "updateInstanceGroup", id=mine["id"], name="stolen") == 531
    assert _status(ben.call, "deleteInstanceGroup", id=mine["id"]) == 531
    assert _status(ben.call, "listInstanceGroups", account="ann", domainid=sub) == 531
    # The admin sees both with listall or by domain, and makes one for ann.
    admin = cloud.admin
    assert admin.call("listInstanceGroups", domainid=sub)["count"] == 2
    made = admin.call("createInstanceGroup", name="by-admin", account="ann", domainid=sub)
    assert made["instancegroup"]["account"] == "ann"
    assert ann.call("listInstanceGroups", name="by-admin")["count"] == 1
    assert admin.call("listInstanceGroups", account="ann", domainid=sub)["count"] == 2
    # The admin's own list (no listall) holds only the admin's groups.
    assert "ann" not in {
        g["account"] for g in admin.call("listInstanceGroups").get("instancegroup", [])
    }


def test_vms_join_move_and_leave_groups(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    vm = deploy(api, env, name="g1", group="web")["virtualmachine"]
    web = api.call("listInstanceGroups", name="web")["instancegroup"][0]  # made by deploy
    assert (vm["group"], vm["groupid"]) == ("web", web["id"])
    other = deploy(api, env, name="g2")["virtualmachine"]
    assert "groupid" not in other
    found = api.call("listVirtualMachines", groupid=web["id"])["virtualmachine"]
    assert [v["id"] for v in found] == [vm["id"]]
    moved = api.call("updateVirtualMachine", id=vm["id"], group="db")["virtualmachine"]
    assert moved["group"] == "db"
    assert api.call("listVirtualMachines", groupid=web["id"]) == {}
    db_id = moved["groupid"]
    api.call("updateVirtualMachine", id=other["id"], group="db")
    assert api.call("listVirtualMachines", groupid=db_id)["count"] == 2
    left = api.call("updateVirtualMachine", id=other["id"], group="")["virtualmachine"]
    assert "group" not in left and "groupid" not in left
    # Deleting a group keeps its VMs, in no group.
    api.call("deleteInstanceGroup", id=db_id)
    assert "groupid" not in api.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert api.call("listVirtualMachines", groupid=db_id) == {}
