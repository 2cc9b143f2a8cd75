"""Disk offerings: defaults, fixed and custom sizes, IO fields, visibility, lifecycle."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def _names(client, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [o["name"] for o in client.call("listDiskOfferings", **kw).get("diskoffering", [])]


def test_defaults_are_seeded(cloud: Cloud) -> None:
    offerings = {o["name"]: o for o in cloud.admin.call("listDiskOfferings")["diskoffering"]}
    assert offerings["Small"]["disksize"] == 5
    assert offerings["Small"]["displaytext"] == "Small Disk, 5 GB"
    assert offerings["Medium"]["disksize"] == 20
    assert offerings["Large"]["disksize"] == 100
    assert offerings["Custom"]["iscustomized"] is True
    assert offerings["Custom"]["disksize"] == 0
    assert offerings["Large"]["iscustomized"] is False


def test_create_fixed_and_custom(cloud: Cloud) -> None:
    fixed = cloud.admin.call(
        "createDiskOffering",
        name="gold",
        disksize=50,
        tags="ssd,fast",
        storagetype="local",
        provisioningtype="sparse",
        miniops=100,
        maxiops=1000,
        iopsreadrate=300,
        byteswriterate=1000000,
        cachemode="writethrough",
    )["diskoffering"]
    assert fixed["disksize"] == 50 and fixed["tags"] == "ssd,fast"
    assert fixed["storagetype"] == "local" and fixed["provisioningtype"] == "sparse"
    assert (fixed["miniops"], fixed["maxiops"]) == (100, 1000)
    assert fixed["diskIopsReadRate"] == 300 and fixed["diskBytesWriteRate"] == 1000000
    assert fixed["cacheMode"] == "writethrough"
    custom = cloud.admin.call(
        "createDiskOffering", name="any-size", customized=True, customizediops=True
    )["diskoffering"]
    assert custom["iscustomized"] is True and custom["iscustomizediops"] is True
    assert cloud.admin.call("listDiskOfferings", id=fixed["id"])["diskoffering"] == [fixed]
    assert _names(cloud.admin, storagetype="local") == ["gold"]
    assert "any-size" in _names(cloud.admin, keyword="size")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "Disksize is required"),
        ({"disksize": 0}, "Disk size"),
        ({"customized": True, "disksize": 10}, "customized"),
        ({"disksize": 5, "provisioningtype": "thick"}, "provisioningtype"),
        ({"disksize": 5, "miniops": 500, "maxiops": 100}, "miniops"),
        ({"disksize": 5, "customizediops": True, "miniops": 1}, "customizediops"),
        ({"disksize": 5, "cachemode": "fastest"}, "cachemode"),
        ({"disksize": 5, "domainid": "5d0b8a66-0000-4000-8000-000000000000"}, "domainid"),
    ],
)
def test_bad_input_is_431(cloud: Cloud, params: dict, fragment: str) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createDiskOffering", name="broken", **params)
    assert err.value.status == 431
    assert fragment in err.value.body["errortext"]
    assert "broken" not in _names(cloud.admin)


def test_domain_offering_visible_only_inside_domain(cloud: Cloud) -> None:
    dev = make_domain(cloud, "dev")
    ops = make_domain(cloud, "ops")
    cloud.admin.call("createDiskOffering", name="dev-disk", disksize=10, domainid=dev)
    dev_user = make_tenant(cloud, "dev-user", dev).client
    ops_user = make_tenant(cloud, "ops-user", ops).client
    assert "dev-disk" in _names(dev_user)
    assert "dev-disk" not in _names(ops_user)
    assert "Small" in _names(ops_user)
    # Hidden offerings are not shown to users, only to admins.
    cloud.admin.call("createDiskOffering", name="hidden", disksize=1, displayoffering=False)
    assert "hidden" not in _names(ops_user)
    assert "hidden" in _names(cloud.admin)


def test_update_and_delete(cloud: Cloud) -> None:
    did = cloud.admin.call("createDiskOffering", name="temp", disksize=3)["diskoffering"]["id"]
    updated = cloud.admin.call(
        "updateDiskOffering",
        id=did,
        name="temp2",
        displaytext="T",
        tags="a",
        bytesreadrate=10,
        cachemode="none",
    )["diskoffering"]
    assert (updated["name"], updated["displaytext"], updated["tags"]) == ("temp2", "T", "a")
    assert updated["diskBytesReadRate"] == 10 and updated["cacheMode"] == "none"
    with pytest.raises(ApiError) as err:
        cloud.admin.call("updateDiskOffering", id=did, bytesreadratemax=5)
    assert err.value.status == 431
    assert cloud.admin.call("deleteDiskOffering", id=did)["success"] is True
    assert cloud.admin.call("listDiskOfferings", id=did, state="all") == {}


def test_disk_offering_used_by_service_offering_is_in_use(cloud: Cloud) -> None:
    did = cloud.admin.call("createDiskOffering", name="root-disk", disksize=8)["diskoffering"]["id"]
    so = cloud.admin.call(
        "createServiceOffering",
        name="with-disk",
        cpunumber=1,
        cpuspeed=100,
        memory=128,
        diskofferingid=did,
    )["serviceoffering"]
    assert so["diskofferingid"] == did and so["diskofferingname"] == "root-disk"
    with pytest.raises(ApiError) as err:
        cloud.admin.call("deleteDiskOffering", id=did)
    assert err.value.status == 536 and "with-disk" in err.value.body["errortext"]
    cloud.admin.call("deleteServiceOffering", id=so["id"])
    assert cloud.admin.call("deleteDiskOffering", id=did)["success"] is True
