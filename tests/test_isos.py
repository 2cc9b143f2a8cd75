"""ISOs: registration, download, visibility, update, copy and deletion."""

from __future__ import annotations

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.template_helpers import storage_zone, wait_template

ISO_URL = "http://images.example.org/isos/rescue-1.0.iso"


def test_register_list_and_delete_iso(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    (iso,) = api.call(
        "registerIso",
        name="rescue",
        displaytext="Rescue CD",
        url=ISO_URL,
        zoneid=zone["id"],
        ispublic=True,
        bootable=True,
    )["iso"]
    assert iso["format"] == "ISO" and iso["bootable"] is True
    ready = wait_template(api, iso["id"], zone["id"], command="listIsos")
    assert ready["status"] == "Download Complete" and ready["size"] > 0
    # ISOs are not templates and vice versa.
    assert api.call("listTemplates", templatefilter="all", id=iso["id"]).get("template", []) == []
    user = make_user(cloud)
    seen = user.call("listIsos", isofilter="executable")["iso"]
    assert [i["name"] for i in seen] == ["rescue"]
    updated = api.call("updateIso", id=iso["id"], displaytext="Rescue CD 2")["iso"]
    assert updated["displaytext"] == "Rescue CD 2"
    with pytest.raises(ApiError) as err:
        user.run("deleteIso", id=iso["id"])
    assert err.value.status == 531
    api.run("deleteIso", id=iso["id"])
    assert api.call("listIsos", isofilter="all").get("iso", []) == []


def test_iso_url_must_be_an_iso(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    for url in ("http://x/disk.qcow2", "file:///tmp/a.iso"):
        with pytest.raises(ApiError) as err:
            api.call("registerIso", name="bad", displaytext="bad", url=url, zoneid=zone["id"])
        assert err.value.status == 431


def test_private_iso_hidden_and_copy(cloud: Cloud) -> None:
    api = cloud.admin
    z1 = storage_zone(api, "z1", "172.16.15")
    z2 = storage_zone(api, "z2", "172.16.16")
    (iso,) = api.call(
        "registerIso", name="private-iso", displaytext="p", url=ISO_URL, zoneid=z1["id"]
    )["iso"]
    user = make_user(cloud)
    assert user.call("listIsos", isofilter="executable").get("iso", []) == []
    wait_template(api, iso["id"], z1["id"], command="listIsos")
    copied = api.run("copyIso", id=iso["id"], sourcezoneid=z1["id"], destzoneid=z2["id"])["iso"]
    assert copied["zoneid"] == z2["id"]
    wait_template(api, iso["id"], z2["id"], command="listIsos")
    rows = api.call("listIsos", isofilter="self", id=iso["id"])["iso"]
    assert sorted(r["zonename"] for r in rows) == ["z1", "z2"]
