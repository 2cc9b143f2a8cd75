"""Guest OS catalogue: listOsTypes, listOsCategories, and admin-defined OS types."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def _categories(cloud: Cloud) -> dict[str, str]:
    return {c["name"]: c["id"] for c in cloud.admin.call("listOsCategories")["oscategory"]}


def test_catalogue(cloud: Cloud) -> None:
    categories = _categories(cloud)
    for name in (
        "CentOS",
        "Debian",
        "Oracle",
        "RedHat",
        "SUSE",
        "Windows",
        "Other",
        "Novel",
        "Unix",
        "Ubuntu",
    ):
        assert name in categories
    types = {t["description"]: t for t in cloud.admin.call("listOsTypes")["ostype"]}
    for wanted in (
        "CentOS 7",
        "Debian GNU/Linux 12 (64-bit)",
        "Ubuntu 22.04 LTS",
        "Windows Server 2022 (64-bit)",
        "Other Linux (64-bit)",
        "Other (64-bit)",
    ):
        assert wanted in types
    ubuntu = types["Ubuntu 22.04 LTS"]
    assert ubuntu["oscategoryid"] == categories["Ubuntu"]
    assert ubuntu["oscategoryname"] == "Ubuntu" and ubuntu["isuserdefined"] is False
    windows = cloud.admin.call("listOsTypes", oscategoryid=categories["Windows"])["ostype"]
    assert windows and all(t["oscategoryname"] == "Windows" for t in windows)
    debian = cloud.admin.call("listOsTypes", description="Debian GNU/Linux 1")["ostype"]
    assert {t["description"] for t in debian} >= {"Debian GNU/Linux 12 (64-bit)"}
    assert cloud.admin.call("listOsTypes", id=ubuntu["id"])["ostype"] == [ubuntu]
    assert cloud.admin.call("listOsCategories", name="Ubuntu")["count"] == 1
    user = make_tenant(cloud, "os-user").client
    assert user.call("listOsTypes", keyword="Rocky")["count"] >= 1


def test_add_update_remove_guest_os(cloud: Cloud) -> None:
    other = _categories(cloud)["Other"]
    added = cloud.admin.run(
        "addGuestOs",
        oscategoryid=other,
        osdisplayname="Plan 9 (64-bit)",
        name="plan9",
        **{"details[0].xenserver": "Other install media"},
    )
    os = added["ostype"]
    assert os["description"] == "Plan 9 (64-bit)" and os["isuserdefined"] is True
    assert os["oscategoryname"] == "Other"
    with pytest.raises(ApiError) as err:
        cloud.admin.call("addGuestOs", oscategoryid=other, osdisplayname="Plan 9 (64-bit)")
    assert err.value.status == 431
    updated = cloud.admin.run(
        "updateGuestOs", id=os["id"], osdisplayname="Plan 9 4th ed", forDisplay=False
    )["ostype"]
    assert updated["description"] == "Plan 9 4th ed" and updated["fordisplay"] is False
    user = make_tenant(cloud, "os-user2").client
    assert user.call("listOsTypes", id=os["id"]) == {}  # hidden from end users
    cloud.admin.run("removeGuestOs", id=os["id"])
    assert cloud.admin.call("listOsTypes", id=os["id"]) == {}
    builtin = cloud.admin.call("listOsTypes", description="CentOS 7")["ostype"][0]
    with pytest.raises(ApiError) as err:
        cloud.admin.call("removeGuestOs", id=builtin["id"])
    assert err.value.status == 431 and "system defined" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:
        user.call("addGuestOs", oscategoryid=other, osdisplayname="nope")
    assert err.value.status == 432
