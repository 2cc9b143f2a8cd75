"""Templates: registration, download progress, visibility, copies, deletion."""

from __future__ import annotations

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.template_helpers import add_store, storage_zone, wait_template

URL = "http://images.example.org/tiny/tiny-linux.qcow2"


def _register(api, zoneid: str, name: str = "tiny", **extra):  # type: ignore[no-untyped-def]
    body = api.call(
        "registerTemplate",
        name=name,
        displaytext=f"{name} template",
        url=URL,
        format="QCOW2",
        hypervisor="Simulator",
        zoneid=zoneid,
        **extra,
    )
    return body["template"]


def test_register_downloads_to_ready(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    (row,) = _register(api, zone["id"], ispublic=True, checksum="abc")
    assert row["isready"] is False and row["zoneid"] == zone["id"]
    assert row["crossZones"] is False and row["templatetype"] == "USER"
    seen = set()
    for _ in range(100):
        row = api.call("listTemplates", templatefilter="self", id=row["id"])["template"][0]
        seen.add(row["status"])
        if row["isready"]:
            break
        import time

        time.sleep(0.05)
    assert row["isready"] is True and row["status"] == "Download Complete"
    assert row["size"] > 0 and row["zonename"] == "z1"
    assert any(s and s.endswith("% Downloaded") for s in seen), seen


def test_builtin_template_ready_when_store_added(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api, store=False)
    assert api.call("listTemplates", templatefilter="featured").get("template", []) == []
    add_store(api, zone, "z1")
    rows = api.call("listTemplates", templatefilter="featured", zoneid=zone["id"])["template"]
    builtin = [r for r in rows if r["templatetype"] == "BUILTIN"]
    assert [r["name"] for r in builtin] == ["SimulatorTemplate"]
    assert builtin[0]["isready"] is True and builtin[0]["hypervisor"] == "Simulator"
    system = api.call("listTemplates", templatefilter="all", templatetype="SYSTEM")["template"]
    assert system[0]["name"].startswith("systemvm-") and system[0]["crossZones"] is True


def test_bad_url_and_format_are_431(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    for url, fmt in (
        ("ftp://x/y.qcow2", "QCOW2"),
        ("http://x/y.vhd", "QCOW2"),
        ("http://x/y", "XYZ"),
    ):
        with pytest.raises(ApiError) as err:
            api.call(
                "registerTemplate",
                name="t",
                url=url,
                format=fmt,
                hypervisor="Simulator",
                zoneid=zone["id"],
            )
        assert err.value.status == 431
    assert api.call("listTemplates", templatefilter="self").get("template", []) == []


def test_cross_zone_template_lists_once_per_zone(cloud: Cloud) -> None:
    api = cloud.admin
    z1 = storage_zone(api, "z1", "172.16.15")
    z2 = storage_zone(api, "z2", "172.16.16")
    rows = _register(api, "-1", name="everywhere")
    assert sorted(r["zonename"] for r in rows) == ["z1", "z2"]
    assert all(r["crossZones"] for r in rows)
    for z in (z1, z2):
        wait_template(api, rows[0]["id"], z["id"])


def test_download_failure_is_reported(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    api.call("configureSimulator", name="DownloadCommand", value="result:fail", zoneid=zone["id"])
    (row,) = _register(api, zone["id"])
    row = wait_template(api, row["id"], zone["id"], want_ready=False)
    assert row["isready"] is False
    assert row["status"].startswith("Failed to download template")


def test_visibility_between_accounts(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    user = make_user(cloud)
    (private,) = _register(api, zone["id"], name="private")
    (public,) = _register(api, zone["id"], name="public", ispublic=True, isfeatured=True)
    (mine,) = _register(user, zone["id"], name="alice-own")
    assert mine["account"] == "alice"
    names = {t["name"] for t in user.call("listTemplates", templatefilter="executable")["template"]}
    assert {"public", "alice-own", "SimulatorTemplate"} <= names and "private" not in names
    names = {t["name"] for t in user.call("listTemplates", templatefilter="self")["template"]}
    assert names == {"alice-own"}
    featured = {
        t["name"] for t in user.call("listTemplates", templatefilter="featured")["template"]
    }
    assert "public" in featured and "private" not in featured
    with pytest.raises(ApiError) as err:
        user.call("listTemplates", templatefilter="all")
    assert err.value.status == 531
    assert not any(
        t["templatetype"] == "SYSTEM"
        for t in user.call("listTemplates", templatefilter="executable")["template"]
    )
    with pytest.raises(ApiError) as err:
        user.call("updateTemplate", id=private["id"], name="stolen")
    assert err.value.status == 531
    assert public["ispublic"] is True


def test_copy_and_delete_per_zone_and_everywhere(cloud: Cloud) -> None:
    api = cloud.admin
    z1 = storage_zone(api, "z1", "172.16.15")
    z2 = storage_zone(api, "z2", "172.16.16")
    (row,) = _register(api, z1["id"])
    wait_template(api, row["id"], z1["id"])
    copied = api.run("copyTemplate", id=row["id"], sourcezoneid=z1["id"], destzoneid=z2["id"])
    assert copied["template"]["zoneid"] == z2["id"]
    wait_template(api, row["id"], z2["id"])
    rows = api.call("listTemplates", templatefilter="self", id=row["id"])["template"]
    assert sorted(r["zonename"] for r in rows) == ["z1", "z2"]
    api.run("deleteTemplate", id=row["id"], zoneid=z1["id"])
    rows = api.call("listTemplates", templatefilter="self", id=row["id"])["template"]
    assert [r["zonename"] for r in rows] == ["z2"]
    api.run("deleteTemplate", id=row["id"])
    assert api.call("listTemplates", templatefilter="self").get("template", []) == []


def test_template_limit(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    user = make_user(cloud)
    api.call(
        "updateResourceLimit", account="alice", domainid=user_domain(api), resourcetype=4, max=1
    )
    _register(user, zone["id"], name="one")
    with pytest.raises(ApiError) as err:
        _register(user, zone["id"], name="two")
    assert err.value.status == 532


def user_domain(api) -> str:  # type: ignore[no-untyped-def]
    return api.call("listDomains", name="ROOT")["domain"][0]["id"]


def test_sharing_with_another_account(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    user = make_user(cloud)
    (row,) = _register(api, zone["id"], name="shared-one")
    shared = user.call("listTemplates", templatefilter="sharedexecutable").get("template", [])
    assert shared == []
    api.call("updateTemplatePermissions", id=row["id"], op="add", accounts="alice")
    perms = api.call("listTemplatePermissions", id=row["id"])["templatepermission"]
    assert perms["account"] == ["alice"] and perms["ispublic"] is False
    shared = user.call("listTemplates", templatefilter="sharedexecutable")["template"]
    assert [t["name"] for t in shared] == ["shared-one"]
    executable = user.call("listTemplates", templatefilter="executable")["template"]
    assert "shared-one" in {t["name"] for t in executable}
    api.call("updateTemplatePermissions", id=row["id"], op="remove", accounts="alice")
    assert user.call("listTemplates", templatefilter="sharedexecutable").get("template", []) == []
    # Making it public shows it in the community list.
    api.call("updateTemplatePermissions", id=row["id"], ispublic=True)
    community = user.call("listTemplates", templatefilter="community")["template"]
    assert [t["name"] for t in community] == ["shared-one"]
    with pytest.raises(ApiError) as err:
        user.call("updateTemplatePermissions", id=row["id"], ispublic=False)
    assert err.value.status == 531


def test_tags_on_templates(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    (a,) = _register(api, zone["id"], name="tagged")
    _register(api, zone["id"], name="plain")
    api.run(
        "createTags",
        resourcetype="Template",
        resourceids=a["id"],
        **{"tags[0].key": "tier", "tags[0].value": "web"},
    )
    rows = api.call(
        "listTemplates", templatefilter="self", **{"tags[0].key": "tier", "tags[0].value": "web"}
    )["template"]
    assert [r["name"] for r in rows] == ["tagged"]
    assert rows[0]["tags"][0]["key"] == "tier"


def test_create_template_from_volume_and_extract(cloud: Cloud) -> None:
    from cumulo.db.models.volume import Volume
    from cumulo.db.models.zone import Zone

    api = cloud.admin
    zone = storage_zone(api)
    api.call("updateZone", id=zone["id"], allocationstate="Enabled")

    def add_volume(session):  # type: ignore[no-untyped-def]
        z = session.query(Zone).filter_by(uuid=zone["id"]).one()
        vol = Volume(
            name="ROOT-1",
            volume_type="ROOT",
            state="Ready",
            size=3 * 1024**3,
            zone_id=z.id,
            format="QCOW2",
            account_id=2,
            domain_id=1,
        )
        session.add(vol)
        session.flush()
        return vol.uuid

    vol_id = cloud.rt.db.run(add_volume)
    os_id = api.call("listOsTypes", keyword="CentOS")["ostype"][0]["id"]
    made = api.run("createTemplate", name="from-vol", ostypeid=os_id, volumeid=vol_id)["template"]
    assert made["isready"] is True and made["size"] == 3 * 1024**3
    assert made["zoneid"] == zone["id"]
    with pytest.raises(ApiError) as err:
        api.run("createTemplate", name="x", ostypeid=os_id, snapshotid=vol_id)
    assert err.value.status == 431
    # Extraction is served by the zone's secondary storage VM once it runs.
    deadline = __import__("time").monotonic() + 20
    while __import__("time").monotonic() < deadline:
        vms = api.call("listSystemVms", systemvmtype="secondarystoragevm").get("systemvm", [])
        if vms and vms[0]["state"] == "Running":
            break
        __import__("time").sleep(0.1)
    out = api.run("extractTemplate", id=made["id"], mode="HTTP_DOWNLOAD", zoneid=zone["id"])
    extract = out["template"]
    ssvm_ip = vms[0].get("publicip") or vms[0]["privateip"]
    assert extract["url"] == f"http://{ssvm_ip}/userdata/{made['id']}.qcow2"
    assert extract["state"] == "DOWNLOAD_URL_CREATED"
    # A wildcard certificate domain gives a-b-c-d.<domain> over https, as operators set up.
    api.call("updateConfiguration", name="secstorage.ssl.cert.domain", value="*.dl.example.com")
    api.call("updateConfiguration", name="secstorage.encrypt.copy", value="true")
    extract = api.run("extractTemplate", id=made["id"], mode="HTTP_DOWNLOAD")["template"]
    dashed = ssvm_ip.replace(".", "-")
    assert extract["url"].startswith(f"https://{dashed}.dl.example.com/userdata/")
    user = make_user(cloud)
    with pytest.raises(ApiError) as err:
        user.run("extractTemplate", id=made["id"], mode="HTTP_DOWNLOAD")
    assert err.value.status == 531


def test_secondary_storage_limit_fails_the_download(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    user = make_user(cloud)
    root = user_domain(api)
    api.call("updateResourceLimit", account="alice", domainid=root, resourcetype=11, max=1)
    (row,) = _register(user, zone["id"], name="too-big")
    row = wait_template(api, row["id"], zone["id"], want_ready=False)
    assert "secondary_storage" in row["status"], row["status"]
    api.call("updateResourceLimit", account="alice", domainid=root, resourcetype=11, max=100)
    (ok,) = _register(user, zone["id"], name="fits")
    ok = wait_template(api, ok["id"], zone["id"])
    account = api.call("listAccounts", name="alice", listall=True)["account"][0]
    assert int(account["secondarystoragetotal"] * 1024**3) >= ok["size"] - 1024**3
    user.run("deleteTemplate", id=ok["id"])
    account = api.call("listAccounts", name="alice", listall=True)["account"][0]
    assert account["secondarystoragetotal"] == 0


def test_delete_refused_while_a_vm_uses_it_unless_forced(cloud: Cloud) -> None:
    from cumulo.db.models.template import VMTemplate
    from cumulo.db.models.vm import VMInstance
    from cumulo.db.models.zone import Zone

    api = cloud.admin
    zone = storage_zone(api)
    (row,) = _register(api, zone["id"], name="in-use")

    def add_vm(session):  # type: ignore[no-untyped-def]
        t = session.query(VMTemplate).filter_by(uuid=row["id"]).one()
        z = session.query(Zone).filter_by(uuid=zone["id"]).one()
        session.add(
            VMInstance(
                instance_name="i-2-99-VM",
                name="web",
                zone_id=z.id,
                state="Running",
                service_offering_id=1,
                template_id=t.id,
                account_id=2,
                domain_id=1,
            )
        )

    cloud.rt.db.run(add_vm)
    with pytest.raises(ApiError) as err:
        api.run("deleteTemplate", id=row["id"])
    assert err.value.status == 536 and "forced" in str(err.value.body)
    assert api.call("listTemplates", templatefilter="self", id=row["id"])["template"]
    api.run("deleteTemplate", id=row["id"], forced=True)
    assert api.call("listTemplates", templatefilter="self").get("template", []) == []
