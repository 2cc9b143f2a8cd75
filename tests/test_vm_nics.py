"""A VM's NICs after deployment: add, remove, default, address, list; plugged on the host."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cumulo.drivers.registry import driver_for
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import Env, build, deploy, insert_network


def host_nics(vm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The NICs the simulated host has plugged into the running VM, by MAC."""
    world = driver_for("simulator").world  # type: ignore[attr-defined]
    return world.vm_state()[vm["instancename"]]["nics"]  # type: ignore[no-any-return]


def nics(api: ApiClient, vm_id: str) -> list[dict[str, Any]]:
    return api.call("listNics", virtualmachineid=vm_id).get("nic", [])  # type: ignore[no-any-return]


def _env(cloud: Cloud) -> tuple[Env, str]:
    env = build(cloud, hosts_per_cluster=1)
    second = insert_network(cloud, env.zone["id"], 2, "10.2.2.0/24")
    return env, second


def test_add_switch_default_and_remove_a_nic_on_a_running_vm(cloud: Cloud) -> None:
    api = cloud.admin
    env, second = _env(cloud)
    vm = deploy(api, env, name="multi")["virtualmachine"]
    (first,) = vm["nic"]
    assert set(host_nics(vm)) == {first["macaddress"]}

    added = api.run(
        "addNicToVirtualMachine",
        virtualmachineid=vm["id"],
        networkid=second,
        ipaddress="10.2.2.50",
        macaddress="02:00:AA:BB:CC:01",
    )["virtualmachine"]
    new = next(n for n in added["nic"] if n["networkid"] == second)
    assert new["ipaddress"] == "10.2.2.50" and new["macaddress"] == "02:00:aa:bb:cc:01"
    assert new["isdefault"] is False and new["deviceid"] == "1"
    plugged = host_nics(vm)
    assert plugged[new["macaddress"]]["ip"] == "10.2.2.50"
    assert plugged[new["macaddress"]]["device_id"] == 1
    listed = nics(api, vm["id"])
    assert [n["id"] for n in listed] == [first["id"], new["id"]]
    assert all(n["virtualmachineid"] == vm["id"] for n in listed)
    assert nics(api, vm["id"])[0]["secondaryip"] == []
    assert [
        n["id"] for n in api.call("listNics", virtualmachineid=vm["id"], networkid=second)["nic"]
    ] == [new["id"]]

    with pytest.raises(ApiError) as same:
        api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second)
    assert same.value.status == 431 and "already exists" in same.value.body["errortext"]
    with pytest.raises(ApiError) as default:
        api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=first["id"])
    assert default.value.status == 431 and "default" in default.value.body["errortext"]
    with pytest.raises(ApiError) as already:
        api.run("updateDefaultNicForVirtualMachine", virtualmachineid=vm["id"], nicid=first["id"])
    assert already.value.status == 431

    switched = api.run(
        "updateDefaultNicForVirtualMachine", virtualmachineid=vm["id"], nicid=new["id"]
    )["virtualmachine"]
    assert {n["id"]: n["isdefault"] for n in switched["nic"]} == {
        first["id"]: False,
        new["id"]: True,
    }
    removed = api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=first["id"])[
        "virtualmachine"
    ]
    assert [n["id"] for n in removed["nic"]] == [new["id"]]
    assert set(host_nics(vm)) == {new["macaddress"]}
    kinds = {e["type"] for e in api.call("listEvents", page=1, pagesize=200)["event"]}
    assert {"NIC.CREATE", "NIC.UPDATE", "NIC.DELETE"} <= kinds
    # The first NIC's address is free again: a new VM may take it.
    other = deploy(api, env, name="taker", ipaddress=first["ipaddress"])["virtualmachine"]
    assert other["nic"][0]["ipaddress"] == first["ipaddress"]


def test_refused_plug_leaves_no_nic_and_frees_the_address(cloud: Cloud) -> None:
    api = cloud.admin
    env, second = _env(cloud)
    vm = deploy(api, env)["virtualmachine"]
    api.call("configureSimulator", name="PlugNicCommand", value="result:fail", count=1)
    with pytest.raises(ApiError) as err:
        api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second,
                ipaddress="10.2.2.9")  # fmt: skip
    assert err.value.status == 530 and "refused to plug" in err.value.body["errortext"]
    assert len(nics(api, vm["id"])) == 1
    assert len(host_nics(vm)) == 1
    # The address went back: the next attempt (the fault is used up) gets it.
    again = api.run(
        "addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second, ipaddress="10.2.2.9"
    )["virtualmachine"]
    assert "10.2.2.9" in {n["ipaddress"] for n in again["nic"]}
    # A refused unplug keeps the NIC, attached and listed.
    nic = next(n for n in again["nic"] if n["networkid"] == second)
    api.call("configureSimulator", name="UnPlugNicCommand", value="result:fail", count=1)
    with pytest.raises(ApiError):
        api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=nic["id"])
    assert nic["macaddress"] in host_nics(vm)
    assert len(nics(api, vm["id"])) == 2
    api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=nic["id"])
    assert len(nics(api, vm["id"])) == 1


def test_stopped_vm_gets_the_nic_at_its_next_start_and_can_be_readdressed(cloud: Cloud) -> None:
    api = cloud.admin
    env, second = _env(cloud)
    vm = deploy(api, env, startvm=False)["virtualmachine"]
    added = api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second)
    new = next(n for n in added["virtualmachine"]["nic"] if n["networkid"] == second)
    assert new["ipaddress"].startswith("10.2.2.")
    moved = api.run("updateVmNicIp", nicid=new["id"], ipaddress="10.2.2.77")["virtualmachine"]
    assert "10.2.2.77" in {n["ipaddress"] for n in moved["nic"]}
    with pytest.raises(ApiError) as outside:
        api.run("updateVmNicIp", nicid=new["id"], ipaddress="10.9.9.9")
    assert outside.value.status == 431
    running = api.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    plugged = host_nics(running)
    assert {n["ip"] for n in plugged.values()} == {running["nic"][0]["ipaddress"], "10.2.2.77"}
    # The network has services (a router): its addresses change only while stopped.
    with pytest.raises(ApiError) as busy:
        api.run("updateVmNicIp", nicid=new["id"])
    assert busy.value.status == 431 and "Stopped" in busy.value.body["errortext"]


def test_validation(cloud: Cloud) -> None:
    api = cloud.admin
    env, second = _env(cloud)
    vm = deploy(api, env)["virtualmachine"]
    other = deploy(api, env, name="other")["virtualmachine"]
    cases = [
        ({"networkid": second, "macaddress": "zz:00:00:00:00:01"}, "not a MAC"),
        ({"networkid": second, "macaddress": "03:00:00:00:00:01"}, "unicast"),
        ({"networkid": second, "ipaddress": "10.2.3.1"}, "outside"),
        ({"networkid": second, "macaddress": vm["nic"][0]["macaddress"]}, "in use"),
    ]
    for params, text in cases:
        with pytest.raises(ApiError) as err:
            api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], **params)
        assert err.value.status == 431 and text in err.value.body["errortext"], params
    with pytest.raises(ApiError) as foreign:
        api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"],
                nicid=other["nic"][0]["id"])  # fmt: skip
    assert foreign.value.status == 431
    # Nothing was left behind by the refusals.
    assert len(nics(api, vm["id"])) == 1


def test_concurrent_adds_never_share_an_address(cloud: Cloud) -> None:
    api = cloud.admin
    env, second = _env(cloud)
    vms = [deploy(api, env, name=f"c{i}", startvm=False)["virtualmachine"] for i in range(6)]

    def add(vm: dict[str, Any]) -> str:
        result = api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second)
        return next(n for n in result["virtualmachine"]["nic"] if n["networkid"] == second)[
            "ipaddress"
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        addresses = list(pool.map(add, vms))
    assert len(set(addresses)) == 6


def test_nic_jobs_may_run_again_after_adoption(cloud: Cloud) -> None:
    """An adopted addNic/removeNic job runs its executor again: nothing is doubled."""
    from sqlalchemy import select

    from cumulo.api.declaration import lookup
    from cumulo.db.models.nic import Nic
    from cumulo.services.system_vm_monitor import system_caller
    from cumulo.services.vms import interfaces

    api = cloud.admin
    env, second = _env(cloud)
    vm = deploy(api, env)["virtualmachine"]
    for name in ("addNicToVirtualMachine", "removeNicFromVirtualMachine"):
        assert lookup(name).resumable  # type: ignore[union-attr]
    added = api.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=second)
    new = next(n for n in added["virtualmachine"]["nic"] if n["networkid"] == second)
    db = cloud.rt.db
    nic_id = db.run(lambda s: s.execute(select(Nic.id).where(Nic.uuid == new["id"])).scalar_one())
    caller = db.run(system_caller)
    interfaces.plug(db.run, caller, nic_id)  # the adopted run of the add
    assert len(host_nics(vm)) == 2 and len(nics(api, vm["id"])) == 2
    api.run("removeNicFromVirtualMachine", virtualmachineid=vm["id"], nicid=new["id"])
    interfaces.unplug(db.run, caller, nic_id)  # the adopted run of the remove
    assert len(host_nics(vm)) == 1 and len(nics(api, vm["id"])) == 1
    with pytest.raises(Exception, match="removed"):
        interfaces.plug(db.run, caller, nic_id)  # an add adopted after its NIC went away
