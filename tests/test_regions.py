"""Regions: the local region from bootstrap, and admin-managed peers."""

from __future__ import annotations

import pytest

from tests.helpers_accounts import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _error(fn, *args, **kwargs) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as err:
        fn(*args, **kwargs)
    return err.value


def test_local_region_exists_from_the_start(cloud: Cloud) -> None:
    body = cloud.admin.call("listRegions")
    assert body == {
        "count": 1,
        "region": [
            {
                "id": 1,
                "name": "Local",
                "endpoint": f"http://{cloud.settings.service_ip}:{cloud.settings.port}/client/",
                "gslbserviceenabled": True,
                "portableipserviceenabled": False,
            }
        ],
    }
    # Every role may list regions.
    user = make_user(cloud, "someone")
    assert user.client.call("listRegions", id=1)["region"][0]["name"] == "Local"


def test_add_update_remove(cloud: Cloud) -> None:
    added = cloud.admin.call(
        "addRegion", id=7, name="West", endpoint="https://west.example.net/client/"
    )["region"]
    assert added["id"] == 7 and added["name"] == "West"
    assert [r["id"] for r in cloud.admin.call("listRegions")["region"]] == [1, 7]
    assert cloud.admin.call("listRegions", name="West")["region"][0]["id"] == 7
    assert cloud.admin.call("listRegions", keyword="es")["count"] == 1
    updated = cloud.admin.call("updateRegion", id=7, endpoint="https://w2.example.net/client/")
    assert updated["region"] == {
        **added,
        "endpoint": "https://w2.example.net/client/",
    }
    renamed = cloud.admin.call("updateRegion", id=7, name="Westward")["region"]
    assert renamed["name"] == "Westward"
    assert cloud.admin.call("removeRegion", id=7) == {"success": True}
    assert cloud.admin.call("listRegions", id=7) == {}


def test_mistakes_are_431(cloud: Cloud) -> None:
    cloud.admin.call("addRegion", id=2, name="East", endpoint="https://east/client/")
    cases = [
        (("addRegion",), {"id": 2, "name": "Other", "endpoint": "x"}, "id: 2 already exists"),
        (("addRegion",), {"id": 3, "name": "East", "endpoint": "x"}, "name: East already"),
        (("addRegion",), {"id": "two", "name": "X", "endpoint": "x"}, "integer"),
        (("addRegion",), {"id": 4, "name": "X"}, "missing parameter endpoint"),
        (("updateRegion",), {"id": 9, "name": "Nine"}, "id: 9 doesn't exist"),
        (("updateRegion",), {"id": 2, "name": "Local"}, "name: Local already"),
        (("removeRegion",), {"id": 9}, "Region not found"),
        (("removeRegion",), {"id": 1}, "cannot be removed"),
    ]
    for (command,), params, text in cases:
        err = _error(cloud.admin.call, command, **params)
        assert err.status == 431, (command, params)
        assert text in err.body["errortext"], err.body
    assert cloud.admin.call("listRegions")["count"] == 2


def test_changing_regions_is_for_root_admins(cloud: Cloud) -> None:
    user = make_user(cloud, "someone")
    err = _error(user.client.call, "addRegion", id=5, name="Mine", endpoint="x")
    assert err.status == 432
    err = _error(user.client.call, "removeRegion", id=1)
    assert err.status == 432
    assert cloud.admin.call("listRegions")["count"] == 1
