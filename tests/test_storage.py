"""Primary storage pools, image stores and staging stores."""

from __future__ import annotations

import pytest

from tests.infra_helpers import (
    add_host,
    make_cluster,
    make_pod,
    make_zone,
    simple_zone,
    wait_hosts_up,
)
from tests.support.client import ApiError
from tests.support.cloud import Cloud

NFS = "nfs://10.0.0.5/export/primary"


def test_cluster_and_zone_pools(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    pool = api.call(
        "createStoragePool",
        zoneid=zone["id"],
        podid=pod["id"],
        clusterid=cluster["id"],
        name="ps0",
        url=NFS,
        tags="ssd",
        capacitybytes=10 * 1024**3,
    )["storagepool"]
    assert (pool["scope"], pool["type"], pool["state"]) == ("CLUSTER", "NetworkFilesystem", "Up")
    assert (pool["ipaddress"], pool["path"]) == ("10.0.0.5", "/export/primary")
    assert pool["disksizetotal"] == 10 * 1024**3 and pool["clusterid"] == cluster["id"]
    zone_pool = api.call(
        "createStoragePool",
        zoneid=zone["id"],
        name="zwide",
        scope="zone",
        hypervisor="Simulator",
        url="nfs://10.0.0.6/zone",
    )["storagepool"]
    assert zone_pool["scope"] == "ZONE" and "clusterid" not in zone_pool
    assert api.call("listStoragePools", scope="ZONE")["storagepool"][0]["id"] == zone_pool["id"]
    assert api.call("listStoragePools", clusterid=cluster["id"])["count"] == 1
    assert api.call("listStoragePools", ipaddress="10.0.0.5")["count"] == 1
    tags = api.call("listStorageTags")["storagetag"]
    assert [(t["name"], t["poolid"]) for t in tags] == [("ssd", pool["id"])]
    caps = {c["type"]: c for c in api.call("listCapacity", zoneid=zone["id"])["capacity"]}
    assert caps[2]["capacitytotal"] == pool["disksizetotal"] + zone_pool["disksizetotal"]
    assert caps[3]["capacitytotal"] == 2 * caps[2]["capacitytotal"]  # overprovisioning 2.0


def test_pool_validation(cloud: Cloud) -> None:
    api = cloud.admin
    zone, _pod, cluster = simple_zone(api)
    base = {"zoneid": zone["id"], "name": "p"}
    cases = [
        {"url": "ftp://10.0.0.5/x", "clusterid": cluster["id"]},
        {"url": "nfs://10.0.0.5/", "clusterid": cluster["id"]},
        {"url": NFS, "scope": "zone"},  # zone-wide needs a hypervisor
        {"url": NFS, "scope": "cluster"},  # cluster-wide needs a cluster
        {"url": NFS, "scope": "galaxy", "clusterid": cluster["id"]},
    ]
    for case in cases:
        with pytest.raises(ApiError) as err:
            api.call("createStoragePool", **{**base, **case})
        assert err.value.status == 431, case
    api.call("createStoragePool", **base, url=NFS, clusterid=cluster["id"])
    with pytest.raises(ApiError) as err:
        api.call("createStoragePool", **base, url=NFS, clusterid=cluster["id"])
    assert err.value.status == 431  # duplicate name in the zone
    with pytest.raises(ApiError) as err:
        api.call("deleteCluster", id=cluster["id"])
    assert err.value.status == 536 and "storage" in err.value.body["errortext"]


def test_update_maintenance_delete(cloud: Cloud) -> None:
    api = cloud.admin
    zone, _pod, cluster = simple_zone(api)
    pool = api.call(
        "createStoragePool", zoneid=zone["id"], clusterid=cluster["id"], name="ps0", url=NFS
    )["storagepool"]
    updated = api.call("updateStoragePool", id=pool["id"], tags="a,b", enabled=False)["storagepool"]
    assert (updated["tags"], updated["state"]) == ("a,b", "Disabled")
    api.call("updateStoragePool", id=pool["id"], enabled=True)
    raw = api.raw("enableStorageMaintenance", id=pool["id"])
    assert list(raw.json()) == ["prepareprimarystorageformaintenanceresponse"]
    job = api.wait_job(raw.json()["prepareprimarystorageformaintenanceresponse"]["jobid"])
    assert job["jobresult"]["storagepool"]["state"] == "Maintenance"
    with pytest.raises(ApiError) as err:
        api.call("enableStorageMaintenance", id=pool["id"])
    assert err.value.status == 431
    raw = api.raw("cancelStorageMaintenance", id=pool["id"])
    job = api.wait_job(raw.json()["cancelprimarystoragemaintenanceresponse"]["jobid"])
    assert job["jobresult"]["storagepool"]["state"] == "Up"
    assert api.call("deleteStoragePool", id=pool["id"]) == {"success": True}
    assert api.call("listStoragePools") == {}
    with pytest.raises(ApiError) as err:
        api.call("deleteStoragePool", id=pool["id"])
    assert err.value.status == 431


def test_image_stores(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api)
    store = api.call(
        "addImageStore",
        provider="NFS",
        name="sec0",
        zoneid=zone["id"],
        url="nfs://10.0.0.7/secondary",
        **{"details[0].key": "k", "details[0].value": "v"},
    )["imagestore"]
    assert (store["providername"], store["protocol"], store["scope"]) == ("NFS", "nfs", "ZONE")
    legacy = api.call("addSecondaryStorage", url="nfs://10.0.0.8/sec", zoneid=zone["id"])
    assert legacy["secondarystorage"]["url"] == "nfs://10.0.0.8/sec"
    staging = api.call(
        "createSecondaryStagingStore", url="nfs://10.0.0.9/cache", zoneid=zone["id"]
    )["secondarystorage"]
    assert api.call("listImageStores", zoneid=zone["id"])["count"] == 2
    raw = api.raw("listSecondaryStagingStores")
    body = raw.json()["listsecondarystagingstoreresponse"]
    assert [s["id"] for s in body["imagestore"]] == [staging["id"]]
    with pytest.raises(ApiError) as err:
        api.call("addImageStore", provider="NFS", zoneid=zone["id"], url="http://x/y")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("addImageStore", provider="Tape", url="nfs://a/b")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("deleteZone", id=zone["id"])
    assert err.value.status == 536
    api.call("deleteImageStore", id=store["id"])
    assert api.call("listImageStores", name="sec0") == {}
    caps = {c["type"]: c for c in api.call("listCapacity", zoneid=zone["id"])["capacity"]}
    assert caps[6]["capacitytotal"] > 0  # the remaining store


def test_local_storage_of_hosts(cloud: Cloud) -> None:
    api = cloud.admin
    zone = make_zone(api, localstorageenabled=True)
    pod = make_pod(api, zone["id"])
    cluster = make_cluster(api, zone["id"], pod["id"])
    host = add_host(
        api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0/localstorage=107374182400"
    )
    pools = api.call("listStoragePools", hostid=host["id"])["storagepool"]
    assert [(p["scope"], p["disksizetotal"]) for p in pools] == [("HOST", 100 * 1024**3)]
    local = [c for c in api.call("listCapacity", type=9)["capacity"]]
    assert local[0]["capacitytotal"] == 100 * 1024**3
