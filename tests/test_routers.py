"""Virtual routers of isolated networks: created on implementation, lifecycle commands."""

from __future__ import annotations

import pytest

from cumulo.drivers.registry import driver_for
from tests.helpers_accounts import make_user
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _running_vms(_host_name: str) -> set[str]:
    """Every VM running in the simulated world (router names are unique)."""
    world = driver_for("simulator").world  # type: ignore[attr-defined]
    with world.lock:
        return {
            name
            for host in world.hosts.values()
            for name, vm in host.vms.items()
            if vm.power == "Running"
        }


def test_router_is_created_started_and_wired(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    api.run("associateIpAddress", networkid=net["id"])
    (router,) = api.call("listRouters", networkid=net["id"], listall=True)["router"]
    snat = api.call("listPublicIpAddresses", issourcenat=True)["publicipaddress"][0]
    assert router["state"] == "Running" and router["role"] == "VIRTUAL_ROUTER"
    assert router["guestipaddress"] == net["gateway"] and router["guestnetworkid"] == net["id"]
    assert router["publicip"] == snat["ipaddress"]
    assert router["name"] in _running_vms(router["hostname"])
    stopped = api.run("stopRouter", id=router["id"])["router"]
    assert stopped["state"] == "Stopped" and "hostid" not in stopped
    assert router["name"] not in _running_vms(router["hostname"])
    started = api.run("startRouter", id=router["id"])["router"]
    assert started["state"] == "Running" and started["name"] in _running_vms(started["hostname"])
    assert api.run("rebootRouter", id=router["id"])["router"]["state"] == "Running"
    with pytest.raises(ApiError) as err:
        api.run("startRouter", id=router["id"])
    assert err.value.status == 431


def test_restart_with_cleanup_replaces_the_router(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    api.run("associateIpAddress", networkid=net["id"])
    (old,) = api.call("listRouters", networkid=net["id"])["router"]
    api.run("restartNetwork", id=net["id"], cleanup=True)
    (new,) = api.call("listRouters", networkid=net["id"])["router"]
    assert new["id"] != old["id"] and new["state"] == "Running"
    assert new["publicip"] == old["publicip"] and new["guestipaddress"] == net["gateway"]
    assert old["name"] not in _running_vms(old["hostname"])
    api.run("destroyRouter", id=new["id"])
    assert api.call("listRouters") == {}
    assert api.call("listNetworks", id=net["id"])["network"][0]["restartrequired"] is True
    api.run("restartNetwork", id=net["id"], cleanup=True)
    assert api.call("listRouters")["count"] == 1
    api.run("deleteNetwork", id=net["id"])
    assert api.call("listRouters") == {}


def test_router_start_failure_rolls_the_network_back(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    api.call(
        "configureSimulator",
        name="StartCommand",
        value="result:fail",
        count=1,
        zoneid=nz.zone["id"],
    )
    with pytest.raises(ApiError) as err:
        api.run("associateIpAddress", networkid=net["id"])
    assert err.value.status == 534 and "router" in err.value.body["errortext"]
    after = api.call("listNetworks", id=net["id"])["network"][0]
    assert after["state"] == "Allocated" and "vlan" not in after
    assert api.call("listPublicIpAddresses") == {}
    assert api.call("listRouters") == {}
    cap = {c["type"]: c for c in api.call("listCapacity", zoneid=nz.zone["id"])["capacity"]}
    assert cap[7]["capacityused"] == 0 and cap[4]["capacityused"] == 0
    api.run("associateIpAddress", networkid=net["id"])  # the fault is used up: works now
    assert api.call("listRouters")["router"][0]["state"] == "Running"


def test_users_cannot_manage_routers(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    alice = make_user(cloud, "alice")
    net = isolated(alice.client, nz.zone["id"])
    alice.client.run("associateIpAddress", networkid=net["id"])
    router = api.call("listRouters", listall=True)["router"][0]
    assert router["account"] == "alice"
    with pytest.raises(ApiError) as err:
        alice.client.call("stopRouter", id=router["id"])
    assert err.value.status == 432
