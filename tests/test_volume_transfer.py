"""uploadVolume through the image store's download loop, attach to primary, extractVolume."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy

URL = "http://images.example.com/disks/data.qcow2"


def _volume(api: Any, vol_id: str) -> dict[str, Any]:
    return api.call("listVolumes", id=vol_id)["volume"][0]  # type: ignore[no-any-return]


def _wait_volume(api: Any, vol_id: str, state: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    vol = _volume(api, vol_id)
    while vol["state"] != state and time.monotonic() < deadline:
        time.sleep(0.1)
        vol = _volume(api, vol_id)
    assert vol["state"] == state, vol
    return vol


def _totals(api: Any) -> tuple[int, float, float]:
    acct = api.call("listAccounts", name="admin")["account"][0]
    return acct["volumetotal"], acct["primarystoragetotal"], acct["secondarystoragetotal"]


def _upload(api: Any, zone: str, **extra: Any) -> dict[str, Any]:
    params = {"zoneid": zone, "name": "up", "url": URL, "format": "QCOW2", **extra}
    return api.run("uploadVolume", **params)["volume"]  # type: ignore[no-any-return]


def test_upload_attach_and_extract(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    zone = env.zone["id"]
    for bad in ({"format": "EXE"}, {"url": "ftp://x/a.qcow2"}, {"url": "http://x/a.raw"}):
        with pytest.raises(ApiError) as err:
            _upload(api, zone, **bad)
        assert err.value.status == 431
    fixed = api.call("createDiskOffering", name="f", displaytext="f", disksize=1)["diskoffering"]
    with pytest.raises(ApiError) as err:
        _upload(api, zone, diskofferingid=fixed["id"])
    assert "custom sized" in err.value.body["errortext"]

    vols0, primary0, secondary0 = _totals(api)
    vol = _upload(api, zone)
    assert vol["state"] == "UploadOp" and vol["name"] == "up"
    assert _totals(api)[0] == vols0 + 1
    vol = _wait_volume(api, vol["id"], "Uploaded")
    assert vol["status"] == "Download Complete" and vol["size"] >= 2 * 1024**3
    _, primary1, secondary1 = _totals(api)
    assert primary1 == primary0 and secondary1 == pytest.approx(
        secondary0 + vol["size"] / 1024**3, abs=0.01
    )

    vm = deploy(api, env, name="uploader")["virtualmachine"]
    vols_vm, primary_vm, _ = _totals(api)
    attached = api.run("attachVolume", id=vol["id"], virtualmachineid=vm["id"])["volume"]
    assert attached["state"] == "Ready" and attached["storageid"] == env.pools[0]["id"]
    vols2, primary2, secondary2 = _totals(api)
    assert vols2 == vols_vm and secondary2 == pytest.approx(secondary0, abs=0.01)
    assert primary2 == pytest.approx(primary_vm + vol["size"] / 1024**3, abs=0.01)

    with pytest.raises(ApiError) as err:  # attached to a running VM
        api.call("extractVolume", id=vol["id"], mode="HTTP_DOWNLOAD", zoneid=zone)
    assert err.value.status == 531 and "stopped state" in err.value.body["errortext"]
    api.run("stopVirtualMachine", id=vm["id"])
    with pytest.raises(ApiError) as err:
        api.call("extractVolume", id=vol["id"], mode="FTP_UPLOAD", zoneid=zone)
    assert err.value.status == 431
    ssvm = _running_ssvm(api)
    out = api.run("extractVolume", id=vol["id"], mode="HTTP_DOWNLOAD", zoneid=zone)["volume"]
    host = ssvm.get("publicip") or ssvm["privateip"]
    assert out["url"].startswith(f"http://{host}/userdata/") and out["url"].endswith(".qcow2")
    assert out["id"] == vol["id"] and out["state"] == "DOWNLOAD_URL_CREATED"
    assert out["extractMode"] == "HTTP_DOWNLOAD" and out["zoneid"] == zone


def _running_ssvm(api: Any, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        vms = api.call("listSystemVms", systemvmtype="secondarystoragevm").get("systemvm", [])
        if vms and vms[0]["state"] == "Running":
            return vms[0]  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("no secondary storage VM came up")


def test_failed_and_deleted_uploads_give_everything_back(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    zone = env.zone["id"]
    before = _totals(api)
    _running_ssvm(api)  # the system template is downloaded: the fault hits the volume
    api.call("configureSimulator", name="DownloadCommand", value="result:fail", count=1)
    failed = _upload(api, zone, name="broken")
    failed = _wait_volume(api, failed["id"], "UploadError")
    assert "Simulated failure" in failed["status"]
    api.call("deleteVolume", id=failed["id"])
    done = _wait_volume(api, _upload(api, zone, name="fine")["id"], "Uploaded")
    with pytest.raises(ApiError):  # an uploaded volume is not on a pool: nothing to extract
        api.call("extractVolume", id=done["id"], mode="HTTP_DOWNLOAD", zoneid=zone)
    api.call("deleteVolume", id=done["id"])
    after = _totals(api)
    assert after[0] == before[0]
    assert after[2] == pytest.approx(before[2], abs=0.001)
