"""Browser uploads: getUploadParamsFor* then a multipart POST to postURL (the SSVM's /upload)."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.volume_store_ref import VolumeStoreRef
from cumulo.services import limits, post_uploads, upload_tickets
from cumulo.services.limits import ResourceType
from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy

GiB = 1024**3


def qcow2(virtual: int, payload: bytes = b"") -> bytes:
    """A QCOW2 header (magic, version 3, virtual size at offset 24) and some data."""
    head = b"QFI\xfb" + struct.pack(">I", 3) + bytes(16) + struct.pack(">Q", virtual)
    return head + bytes(72) + payload


def iso(payload: bytes = b"") -> bytes:
    return bytes(32769) + b"CD001" + bytes(2043) + payload


def post(http: httpx.Client, params: dict[str, Any], body: bytes, **headers: str) -> httpx.Response:
    sent = {
        "X-signature": params["signature"],
        "X-metadata": params["metadata"],
        "X-expires": params["expires"],
        **headers,
    }
    files = {"file": ("disk.img", body, "application/octet-stream")}
    return http.post(params["postURL"], files=files, headers=sent)


def totals(api: Any) -> tuple[int, int]:
    acct = api.call("listAccounts", name="admin")["account"][0]
    return acct["volumetotal"], acct["templatetotal"]


def secondary_bytes(cloud: Cloud) -> int:
    """The admin account's secondary storage count in bytes (the API shows whole GiB)."""
    found = cloud.rt.db.run(lambda s: limits.counts(s, "account", 2))
    return int(found.get(ResourceType.SECONDARY_STORAGE, 0))


def upload_params(api: Any, command: str, **params: Any) -> dict[str, Any]:
    return api.call(command, **params)["getuploadparams"]  # type: ignore[no-any-return]


def volume(api: Any, vol_id: str) -> dict[str, Any]:
    return api.call("listVolumes", id=vol_id)["volume"][0]  # type: ignore[no-any-return]


def test_volume_upload_then_attach(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api, zone = cloud.admin, env.zone["id"]
    vols0, _ = totals(api)
    secondary0 = secondary_bytes(cloud)
    body = qcow2(GiB, b"x" * 300_000)
    raw = api.raw(
        "getUploadParamsForVolume",
        zoneid=zone,
        name="browser",
        format="QCOW2",
        checksum="{SHA-256}" + hashlib.sha256(body).hexdigest(),
    )
    wrapper = raw.json()["postuploadvolumeresponse"]
    params = wrapper["getuploadparams"]
    assert set(params) == {"id", "postURL", "metadata", "expires", "signature"}
    assert params["postURL"].startswith("http://127.0.0.1:8080/upload/")
    vol = volume(api, params["id"])
    assert vol["state"] == "NotUploaded" and vol["status"] == "Upload not started"
    assert totals(api)[0] == vols0 + 1

    # A wrong signature is refused and changes nothing.
    resp = post(cloud.http, params, body, **{"X-signature": "AAAA" + params["signature"][4:]})
    assert resp.status_code == 403 and "Signature mismatch" in resp.text
    assert volume(api, params["id"])["state"] == "NotUploaded"

    resp = post(cloud.http, params, body)
    assert resp.status_code == 200, resp.text
    vol = volume(api, params["id"])
    assert vol["state"] == "Uploaded" and vol["size"] == GiB
    assert secondary_bytes(cloud) == secondary0 + len(body)
    # The bytes are on the zone's image store.
    ref = cloud.rt.db.run(lambda s: s.execute(select(VolumeStoreRef)).scalars().one())
    stored = post_uploads.store_root(cloud.rt, _store_uuid(cloud, ref.store_id)) / ref.install_path
    assert stored.read_bytes() == body and ref.physical_size == len(body)

    # The same ticket cannot upload twice.
    again = post(cloud.http, params, body)
    assert again.status_code == 409 and "DOWNLOADED" in again.text

    vm = deploy(api, env, name="taker")["virtualmachine"]
    attached = api.run("attachVolume", id=params["id"], virtualmachineid=vm["id"])["volume"]
    assert attached["state"] == "Ready" and attached["storageid"] == env.pools[0]["id"]
    assert secondary_bytes(cloud) == secondary0  # moved off secondary storage
    post_uploads.sweep(cloud.rt)  # and its file is deleted from the store
    assert not stored.exists()


def _store_uuid(cloud: Cloud, store_id: int) -> str:
    from cumulo.db.models.image_store import ImageStore

    return cloud.rt.db.run(lambda s: s.get(ImageStore, store_id).uuid)  # type: ignore[no-any-return]


def test_bad_uploads_end_in_upload_error(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api, zone = cloud.admin, env.zone["id"]

    def params(**extra: Any) -> dict[str, Any]:
        wanted = {"zoneid": zone, "name": "v", "format": "QCOW2", **extra}
        return upload_params(api, "getUploadParamsForVolume", **wanted)

    for bad in ({"format": "EXE"}, {"checksum": "not-hex"}):
        with pytest.raises(ApiError) as err:
            params(**bad)
        assert err.value.status == 431

    wrong_sum = params(checksum=hashlib.md5(b"other").hexdigest())
    resp = post(cloud.http, wrong_sum, qcow2(GiB))
    assert resp.status_code == 400 and "Checksum mismatch" in resp.text
    vol = volume(api, wrong_sum["id"])
    assert vol["state"] == "UploadError" and "Checksum mismatch" in vol["status"]

    not_qcow = params()
    resp = post(cloud.http, not_qcow, b"MZ" + bytes(1000))
    assert resp.status_code == 400 and "not a QCOW2" in resp.text
    assert volume(api, not_qcow["id"])["state"] == "UploadError"

    # Too large: the limit (storage.max.volume.upload.size, GiB) is in the signed ticket;
    # count it in KiB here so a test can exceed it. Enforced while streaming.
    monkeypatch.setattr(post_uploads, "GIB", 1024)
    api.call("updateConfiguration", name="storage.max.volume.upload.size", value="64")
    big = params()
    resp = post(cloud.http, big, qcow2(GiB, b"y" * 70 * 1024))
    assert resp.status_code == 413 and "Maximum file upload size exceeded" in resp.text
    assert volume(api, big["id"])["state"] == "UploadError"
    assert not list(cloud.settings.data_dir.glob("image-stores/*/volumes/*/*"))

    # Expired signature: 403, the volume stays NotUploaded.
    fresh = params()
    ticket = upload_tickets.verify(
        cloud.rt.secrets,
        "/upload/" + fresh["postURL"].rsplit("/", 1)[1],
        fresh["signature"],
        fresh["metadata"],
        fresh["expires"],
    )
    past = datetime.now(UTC) - timedelta(hours=2)
    stale = upload_tickets.issue(cloud.rt.secrets, ticket, 60, now=past)
    resp = post(cloud.http, stale, qcow2(GiB))
    assert resp.status_code == 403 and "expired" in resp.text
    assert volume(api, fresh["id"])["state"] == "NotUploaded"
    # Refused from the headers alone: the ticket stays usable.
    no_headers = cloud.http.post(fresh["postURL"], files={"file": ("a", b"x")})
    assert no_headers.status_code == 400 and "X-signature" in no_headers.text
    signed = {"X-signature": fresh["signature"], "X-metadata": fresh["metadata"]}
    not_multipart = cloud.http.post(
        fresh["postURL"], content=qcow2(GiB), headers={**signed, "X-expires": fresh["expires"]}
    )
    assert not_multipart.status_code == 400 and "multipart" in not_multipart.text
    assert volume(api, fresh["id"])["state"] == "NotUploaded"
    # Forged metadata (not sealed with the cluster key) is refused too.
    resp = post(cloud.http, {**fresh, "metadata": "bm90IG91cnM="}, qcow2(GiB))
    assert resp.status_code == 403
    # ... and after all those refusals the ticket still uploads.
    assert post(cloud.http, fresh, qcow2(GiB)).status_code == 200
    assert volume(api, fresh["id"])["state"] == "Uploaded"


@pytest.mark.backends("sqlite", "mariadb")  # the sweep compares datetimes in SQL
def test_abandoned_uploads_are_swept(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api, zone = cloud.admin, env.zone["id"]
    vols0, templates0 = totals(api)
    vol = upload_params(api, "getUploadParamsForVolume", zoneid=zone, name="late", format="RAW")
    tpl = upload_params(
        api,
        "getUploadParamsForTemplate",
        zoneid=zone,
        name="late-t",
        displaytext="t",
        format="QCOW2",
        hypervisor="Simulator",
    )
    assert totals(api) == (vols0 + 1, templates0 + 1)
    assert post_uploads.sweep(cloud.rt) == 0  # not timed out yet

    old = datetime.now(UTC) - timedelta(minutes=61)

    def age(s: Any) -> None:
        s.execute(update(VolumeStoreRef).values(created=old))
        s.execute(update(TemplateStoreRef).values(created=old))

    cloud.rt.db.run(age)
    assert post_uploads.sweep(cloud.rt) == 2
    assert api.call("listVolumes", id=vol["id"]) == {}
    assert totals(api) == (vols0, templates0)
    state = cloud.rt.db.run(
        lambda s: s.execute(select(VMTemplate.state).where(VMTemplate.uuid == tpl["id"])).scalar()
    )
    assert state == "UploadAbandoned"
    events = api.call("listEvents", type="VOLUME.DELETE")["event"]
    assert any("abandoned" in e["description"] for e in events)
    resp = post(cloud.http, vol, b"late bytes")
    assert resp.status_code == 409


def test_template_and_iso_upload_then_deploy(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api, zone = cloud.admin, env.zone["id"]
    raw = api.raw(
        "getUploadParamsForTemplate",
        zoneid=zone,
        name="posted",
        displaytext="posted template",
        format="QCOW2",
        hypervisor="Simulator",
        ispublic="true",
    )
    params = raw.json()["postuploadtemplateresponse"]["getuploadparams"]
    listed = api.call("listTemplates", templatefilter="self", id=params["id"])["template"][0]
    assert listed["isready"] is False and listed["status"] == "Upload not started"
    with pytest.raises(ApiError) as err:
        deploy(api, env, templateid=params["id"])
    assert err.value.status == 431

    assert post(cloud.http, params, qcow2(2 * GiB, b"t" * 5000)).status_code == 200
    listed = api.call("listTemplates", templatefilter="self", id=params["id"])["template"][0]
    assert listed["isready"] is True and listed["status"] == "Download Complete"
    assert listed["size"] == 2 * GiB
    vm = deploy(api, env, templateid=params["id"], name="from-upload")["virtualmachine"]
    assert vm["templateid"] == params["id"] and vm["state"] == "Running"

    iso_params = upload_params(api, "getUploadParamsForIso", zoneid=zone, name="disc", format="ISO")
    with pytest.raises(ApiError):
        api.call("getUploadParamsForIso", zoneid=zone, name="disc", format="QCOW2")
    assert post(cloud.http, iso_params, qcow2(GiB)).status_code == 400  # not an ISO 9660 image
    iso_params = upload_params(
        api, "getUploadParamsForIso", zoneid=zone, name="disc2", format="ISO"
    )
    assert post(cloud.http, iso_params, iso(b"boot")).status_code == 200
    disc = api.call("listIsos", id=iso_params["id"])["iso"][0]
    assert disc["isready"] is True
    api.run("attachIso", id=iso_params["id"], virtualmachineid=vm["id"])


def test_deleting_before_the_upload_gives_everything_back(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api, zone = cloud.admin, env.zone["id"]
    vols0, templates0 = totals(api)
    vol = upload_params(api, "getUploadParamsForVolume", zoneid=zone, name="gone", format="RAW")
    iso_params = upload_params(api, "getUploadParamsForIso", zoneid=zone, name="i", format="ISO")
    assert totals(api) == (vols0 + 1, templates0 + 1)
    api.call("deleteVolume", id=vol["id"])
    api.run("deleteIso", id=iso_params["id"])
    assert totals(api) == (vols0, templates0)
    assert post(cloud.http, vol, b"raw bytes").status_code == 409
    assert post(cloud.http, iso_params, iso()).status_code == 409


def test_secondary_storage_limit_refuses_the_finished_upload(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    admin = cloud.admin
    user = make_user(cloud)
    root = admin.call("listDomains", name="ROOT")["domain"][0]["id"]
    admin.call("updateResourceLimit", account="alice", domainid=root, resourcetype=11, max=0)
    params = upload_params(
        user, "getUploadParamsForVolume", zoneid=env.zone["id"], name="mine", format="QCOW2"
    )
    resp = post(cloud.http, params, qcow2(GiB, b"z" * 1000))
    assert resp.status_code == 413 and "secondary" in resp.text.lower()
    vol = volume(user, params["id"])
    assert vol["state"] == "UploadError" and vol["account"] == "alice"
    acct = admin.call("listAccounts", name="alice", listall=True)["account"][0]
    assert acct["secondarystoragetotal"] == 0 and acct["volumetotal"] == 1
