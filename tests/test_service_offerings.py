"""Service offerings: defaults, fixed/custom compute, IO fields, visibility, lifecycle."""

from __future__ import annotations

import pytest

from cumulo.api.roles import RoleType
from cumulo.services import service_offerings
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def _by_name(body: dict, name: str) -> dict:
    return next(o for o in body.get("serviceoffering", []) if o["name"] == name)


def test_defaults_are_seeded(cloud: Cloud) -> None:
    body = cloud.admin.call("listServiceOfferings")
    small = _by_name(body, "Small Instance")
    assert (small["cpunumber"], small["cpuspeed"], small["memory"]) == (1, 500, 512)
    medium = _by_name(body, "Medium Instance")
    assert (medium["cpunumber"], medium["cpuspeed"], medium["memory"]) == (1, 1000, 1024)
    assert small["storagetype"] == "shared" and small["provisioningtype"] == "thin"
    assert all(not o["issystem"] for o in body["serviceoffering"])
    system = cloud.admin.call("listServiceOfferings", issystem=True)["serviceoffering"]
    types = {o["name"]: o["systemvmtype"] for o in system}
    assert types["System Offering For Software Router"] == "domainrouter"
    assert types["System Offering For Console Proxy"] == "consoleproxy"
    assert types["System Offering For Secondary Storage VM"] == "secondarystoragevm"
    router = cloud.admin.call("listServiceOfferings", issystem=True, systemvmtype="domainrouter")
    assert [o["name"] for o in router["serviceoffering"]] == ["System Offering For Software Router"]
    assert router["serviceoffering"][0]["defaultuse"] is True


def test_fixed_offering_with_io_limits(cloud: Cloud) -> None:
    created = cloud.admin.call(
        "createServiceOffering",
        name="io-fixed",
        displaytext="Fixed with IO limits",
        cpunumber=2,
        cpuspeed=2000,
        memory=4096,
        storagetype="local",
        offerha=True,
        limitcpuuse=True,
        hosttags="ssd, gpu,ssd",
        tags="fast",
        provisioningtype="fat",
        cachemode="writeback",
        bytesreadrate=1048576,
        bytesreadratemax=2097152,
        bytesreadratemaxlength=60,
        iopswriterate=500,
    )["serviceoffering"]
    assert created["storagetype"] == "local" and created["provisioningtype"] == "fat"
    assert created["diskBytesReadRate"] == 1048576
    assert created["diskBytesReadRateMax"] == 2097152
    assert created["diskBytesReadRateMaxLength"] == 60
    assert created["diskIopsWriteRate"] == 500
    assert "diskIopsReadRate" not in created
    assert created["cacheMode"] == "writeback"
    assert created["hosttags"] == "ssd,gpu" and created["storagetags"] == "fast"
    assert created["offerha"] is True and created["limitcpuuse"] is True
    assert created["iscustomized"] is False
    listed = cloud.admin.call("listServiceOfferings", id=created["id"])["serviceoffering"]
    assert listed == [created]


def test_custom_constrained_and_unconstrained(cloud: Cloud) -> None:
    constrained = cloud.admin.call(
        "createServiceOffering",
        name="custom-bounded",
        customized=True,
        cpuspeed=1500,
        mincpunumber=2,
        maxcpunumber=8,
        minmemory=1024,
        maxmemory=8192,
    )["serviceoffering"]
    assert constrained["iscustomized"] is True
    assert "cpunumber" not in constrained and "memory" not in constrained
    details = constrained["serviceofferingdetails"]
    assert details == {
        "mincpunumber": "2",
        "maxcpunumber": "8",
        "minmemory": "1024",
        "maxmemory": "8192",
    }
    free = cloud.admin.call("createServiceOffering", name="custom-free", customized=True)
    assert free["serviceoffering"]["iscustomized"] is True
    names = lambda **kw: {  # noqa: E731
        o["name"] for o in cloud.admin.call("listServiceOfferings", **kw)["serviceoffering"]
    }
    fits_4 = names(cpunumber=4)
    assert {"custom-bounded", "custom-free"} <= fits_4
    assert "Small Instance" not in fits_4
    too_many = names(cpunumber=16)
    assert "custom-free" in too_many and "custom-bounded" not in too_many
    assert "custom-bounded" not in names(memory=512)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        (
            {
                "customized": True,
                "mincpunumber": 4,
                "maxcpunumber": 2,
                "minmemory": 512,
                "maxmemory": 1024,
                "cpuspeed": 1000,
            },
            "mincpunumber",
        ),
        (
            {"customized": True, "mincpunumber": 1, "maxcpunumber": 2, "cpuspeed": 1000},
            "all of mincpunumber",
        ),
        (
            {
                "customized": True,
                "mincpunumber": 1,
                "maxcpunumber": 2,
                "minmemory": 2048,
                "maxmemory": 1024,
                "cpuspeed": 1000,
            },
            "minmemory",
        ),
        (
            {
                "customized": True,
                "mincpunumber": 1,
                "maxcpunumber": 2,
                "minmemory": 512,
                "maxmemory": 1024,
            },
            "cpuspeed",
        ),
        ({"cpunumber": 2}, "cpunumber, cpuspeed and memory"),
        ({"customized": True, "cpunumber": 2, "memory": 512, "cpuspeed": 100}, "custom"),
        ({"cpunumber": 0, "cpuspeed": 100, "memory": 512}, "cpu number"),
        ({"cpunumber": 1, "cpuspeed": 100, "memory": 16}, "memory"),
        ({"cpunumber": 1, "cpuspeed": 100, "memory": 512, "storagetype": "nvme"}, "storagetype"),
        (
            {"cpunumber": 1, "cpuspeed": 100, "memory": 512, "systemvmtype": "consoleproxy"},
            "issystem",
        ),
        (
            {
                "cpunumber": 1,
                "cpuspeed": 100,
                "memory": 512,
                "issystem": True,
                "systemvmtype": "toaster",
            },
            "systemvmtype",
        ),
        (
            {
                "cpunumber": 1,
                "cpuspeed": 100,
                "memory": 512,
                "bytesreadrate": 100,
                "bytesreadratemax": 10,
            },
            "bytesreadratemax",
        ),
        ({"cpunumber": 1, "cpuspeed": 100, "memory": 512, "zoneid": "1"}, "zone"),
    ],
)
def test_bad_input_is_431(cloud: Cloud, params: dict, fragment: str) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createServiceOffering", name="bad", **params)
    assert err.value.status == 431
    assert fragment in err.value.body["errortext"]
    assert "bad" not in {
        o["name"] for o in cloud.admin.call("listServiceOfferings").get("serviceoffering", [])
    }


def test_domain_restricted_visibility(cloud: Cloud) -> None:
    sales = make_domain(cloud, "sales")
    emea = make_domain(cloud, "emea", sales)
    other = make_domain(cloud, "other")
    offering = cloud.admin.call(
        "createServiceOffering",
        name="sales-only",
        cpunumber=1,
        cpuspeed=100,
        memory=256,
        domainid=sales,
    )["serviceoffering"]
    assert offering["domainid"] == sales and offering["domain"] == "sales"

    def sees(client) -> bool:  # type: ignore[no-untyped-def]
        body = client.call("listServiceOfferings", name="sales-only")
        return body.get("count", 0) == 1

    assert sees(make_tenant(cloud, "seller", sales).client)
    assert sees(make_tenant(cloud, "emea-seller", emea).client)
    assert not sees(make_tenant(cloud, "outsider", other).client)
    assert not sees(make_tenant(cloud, "root-user").client)
    assert sees(cloud.admin)
    in_other = cloud.admin.call("listServiceOfferings", domainid=other, name="sales-only")
    assert in_other == {}
    in_emea = cloud.admin.call("listServiceOfferings", domainid=emea, name="sales-only")
    assert in_emea["count"] == 1
    cloud.admin.call(
        "createServiceOffering",
        name="emea-only",
        cpunumber=1,
        cpuspeed=100,
        memory=256,
        domainid=emea,
    )
    assert cloud.admin.call("listServiceOfferings", domainid=sales, name="emea-only") == {}
    recursive = cloud.admin.call(
        "listServiceOfferings", domainid=sales, name="emea-only", isrecursive=True
    )
    assert recursive["count"] == 1
    # Domain admins also see the offerings of their subdomains (they manage them).
    sales_admin = make_tenant(cloud, "sales-admin", sales, RoleType.DOMAIN_ADMIN).client
    assert sales_admin.call("listServiceOfferings", name="emea-only")["count"] == 1
    assert sees(sales_admin)
    other_admin = make_tenant(cloud, "other-admin", other, RoleType.DOMAIN_ADMIN).client
    assert other_admin.call("listServiceOfferings", name="emea-only") == {}
    # A plain user sees public offerings too, but never system ones.
    user = make_tenant(cloud, "plain").client
    assert _by_name(user.call("listServiceOfferings"), "Small Instance")
    with pytest.raises(ApiError) as err:
        user.call("listServiceOfferings", issystem=True)
    assert err.value.status == 531


def test_update_and_delete(cloud: Cloud) -> None:
    oid = cloud.admin.call(
        "createServiceOffering", name="to-change", cpunumber=1, cpuspeed=100, memory=256
    )["serviceoffering"]["id"]
    updated = cloud.admin.call(
        "updateServiceOffering",
        id=oid,
        name="changed",
        displaytext="New text",
        hosttags="h1",
        storagetags="s1",
        sortkey=5,
    )["serviceoffering"]
    assert (updated["name"], updated["displaytext"]) == ("changed", "New text")
    assert (updated["hosttags"], updated["storagetags"]) == ("h1", "s1")
    cloud.admin.call("updateServiceOffering", id=oid, state="Inactive")
    assert cloud.admin.call("listServiceOfferings", id=oid) == {}
    assert cloud.admin.call("listServiceOfferings", id=oid, state="all")["count"] == 1
    assert cloud.admin.call("deleteServiceOffering", id=oid)["success"] is True
    assert cloud.admin.call("listServiceOfferings", id=oid, state="all") == {}
    with pytest.raises(ApiError) as err:
        cloud.admin.call("deleteServiceOffering", id=oid)
    assert err.value.status == 431


def test_system_default_and_in_use_offerings_are_not_deleted(cloud: Cloud) -> None:
    router = cloud.admin.call("listServiceOfferings", issystem=True, systemvmtype="domainrouter")
    with pytest.raises(ApiError) as err:
        cloud.admin.call("deleteServiceOffering", id=router["serviceoffering"][0]["id"])
    assert err.value.status == 431
    oid = cloud.admin.call(
        "createServiceOffering", name="busy", cpunumber=1, cpuspeed=100, memory=256
    )["serviceoffering"]["id"]
    check = service_offerings.register_usage_check(
        lambda session, o: "VM web-1" if o.name == "busy" else None
    )
    try:
        with pytest.raises(ApiError) as err:
            cloud.admin.call("deleteServiceOffering", id=oid)
    finally:
        service_offerings._usage_checks.remove(check)
    assert err.value.status == 536 and "VM web-1" in err.value.body["errortext"]
    assert cloud.admin.call("listServiceOfferings", id=oid)["count"] == 1


def test_users_cannot_create(cloud: Cloud) -> None:
    user = make_tenant(cloud, "not-admin").client
    with pytest.raises(ApiError) as err:
        user.call("createServiceOffering", name="x", cpunumber=1, cpuspeed=1, memory=64)
    assert err.value.status == 432
