"""Affinity groups: async create/delete, types, ownership and visibility."""

from __future__ import annotations

import pytest

from cumulo.services import affinity_groups
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def test_types(cloud: Cloud) -> None:
    body = cloud.admin.call("listAffinityGroupTypes")
    types = [t["type"] for t in body["affinityGroupType"]]
    assert "host anti-affinity" in types and "host affinity" in types
    assert "non-strict host anti-affinity" in types and body["count"] == len(types)


def test_async_create_answers_id_and_job(cloud: Cloud) -> None:
    accepted = cloud.admin.call(
        "createAffinityGroup",
        name="web",
        type="host anti-affinity",
        description="spread web servers",
    )
    assert accepted["id"] and accepted["jobid"]
    job = cloud.admin.wait_job(accepted["jobid"])
    group = job["jobresult"]["affinitygroup"]
    assert group["id"] == accepted["id"] and group["type"] == "host anti-affinity"
    assert group["account"] == "admin" and group["domainpath"] == "ROOT"
    assert group["description"] == "spread web servers"
    listed = cloud.admin.call("listAffinityGroups", id=accepted["id"])["affinitygroup"]
    assert listed[0]["name"] == "web"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"name": "x", "type": "rack affinity"}, "invalid affinity group type"),
        ({"name": "DedicatedGrp-1", "type": "host affinity"}, "DedicatedGrp"),
        ({"name": " ", "type": "host affinity"}, "name"),
    ],
)
def test_bad_input_is_431(cloud: Cloud, params: dict, fragment: str) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createAffinityGroup", **params)
    assert err.value.status == 431 and fragment in err.value.body["errortext"]


def test_ownership_visibility_and_delete(cloud: Cloud) -> None:
    dom = make_domain(cloud, "ag")
    ann = make_tenant(cloud, "ann", dom).client
    ben = make_tenant(cloud, "ben", dom).client
    ann.run("createAffinityGroup", name="db", type="host affinity")
    ben.run("createAffinityGroup", name="db", type="host anti-affinity")
    with pytest.raises(ApiError) as err:
        ann.call("createAffinityGroup", name="db", type="host affinity")
    assert err.value.status == 431 and "already exists" in err.value.body["errortext"]
    mine = ann.call("listAffinityGroups", listall=True)["affinitygroup"]
    assert [(g["account"], g["type"]) for g in mine] == [("ann", "host affinity")]
    everyone = cloud.admin.call("listAffinityGroups", domainid=dom)["affinitygroup"]
    assert sorted(g["account"] for g in everyone) == ["ann", "ben"]
    assert cloud.admin.call("listAffinityGroups", listall=True, type="host affinity")["count"] >= 1
    with pytest.raises(ApiError) as err:  # no VM can be a member before VMs exist
        cloud.admin.call(
            "listAffinityGroups", virtualmachineid="7c9e6679-7425-40de-944b-e07fc1f90ae7"
        )
    assert err.value.status == 431
    bens = ben.call("listAffinityGroups")["affinitygroup"][0]
    with pytest.raises(ApiError) as err:
        ann.call("deleteAffinityGroup", id=bens["id"])
    assert err.value.status == 531
    ann.run("deleteAffinityGroup", name="db")
    assert ann.call("listAffinityGroups") == {}
    cloud.admin.run("deleteAffinityGroup", name="db", account="ben", domainid=dom)
    assert ben.call("listAffinityGroups") == {}


def test_group_with_members_is_in_use(cloud: Cloud) -> None:
    gid = cloud.admin.run("createAffinityGroup", name="busy-ag", type="host anti-affinity")[
        "affinitygroup"
    ]["id"]
    check = affinity_groups.register_usage_check(
        lambda session, g: "VM db-1" if g.name == "busy-ag" else None
    )
    try:
        with pytest.raises(ApiError) as err:
            cloud.admin.call("deleteAffinityGroup", id=gid)
    finally:
        affinity_groups._usage_checks.remove(check)
    assert err.value.status == 536
    cloud.admin.run("deleteAffinityGroup", id=gid)
    assert cloud.admin.call("listAffinityGroups", name="busy-ag") == {}
