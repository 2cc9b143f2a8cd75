"""attachIso / detachIso: one ISO per VM, readiness, permissions, host faults, boot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.template_helpers import wait_template
from tests.vm_helpers import Env, build, deploy, insert_network

URL = "http://images.example.org/isos/{}.iso"


def _iso(api: Any, env: Env, name: str, ready: bool = True, **extra: Any) -> dict[str, Any]:
    (iso,) = api.call(
        "registerIso",
        name=name,
        displaytext=f"{name} CD",
        url=URL.format(name),
        zoneid=env.zone["id"],
        **{"ispublic": True, **extra},
    )["iso"]
    if ready:
        wait_template(api, iso["id"], env.zone["id"], command="listIsos")
    return iso  # type: ignore[no-any-return]


def _drive(api: Any, vm_id: str) -> str | None:
    """The ISO the simulated host has in the VM's CD-ROM drive."""
    from cumulo.drivers.registry import driver_for

    name = api.call("listVirtualMachines", id=vm_id, listall=True)["virtualmachine"][0][
        "instancename"
    ]
    return driver_for("Simulator").world.vm_state()[name]["iso"]  # type: ignore[attr-defined, no-any-return]


def test_attach_detach_one_iso_per_vm(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    rescue, tools = _iso(api, env, "rescue"), _iso(api, env, "tools")
    vm = deploy(api, env, name="cd")["virtualmachine"]
    attached = api.run("attachIso", id=rescue["id"], virtualmachineid=vm["id"])["virtualmachine"]
    assert attached["isoid"] == rescue["id"] and attached["isoname"] == "rescue"
    assert attached["isodisplaytext"] == "rescue CD"
    assert _drive(api, vm["id"]) is not None
    with pytest.raises(ApiError) as err:
        api.call("attachIso", id=tools["id"], virtualmachineid=vm["id"])
    assert err.value.status == 431 and "detach it first" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:  # CloudStack refuses deleting an ISO in use
        api.run("deleteIso", id=rescue["id"])
    assert err.value.status == 536
    swapped = api.run("attachIso", id=tools["id"], virtualmachineid=vm["id"], forced=True)
    assert swapped["virtualmachine"]["isoid"] == tools["id"]
    detached = api.run("detachIso", virtualmachineid=vm["id"])["virtualmachine"]
    assert "isoid" not in detached and _drive(api, vm["id"]) is None
    with pytest.raises(ApiError) as err:
        api.call("detachIso", virtualmachineid=vm["id"])
    assert err.value.status == 431 and "no ISO" in err.value.body["errortext"]
    api.run("deleteIso", id=rescue["id"])
    types = [e["type"] for e in api.call("listEvents", keyword="ISO")["event"]]
    assert types.count("ISO.ATTACH") == 2 and types.count("ISO.DETACH") == 1


def test_stopped_vm_boots_with_its_iso(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    iso = _iso(api, env, "installer")
    vm = deploy(api, env, name="boot", startvm=False)["virtualmachine"]
    assert (
        api.run("attachIso", id=iso["id"], virtualmachineid=vm["id"])["virtualmachine"]["isoid"]
        == iso["id"]
    )
    api.run("startVirtualMachine", id=vm["id"])
    assert _drive(api, vm["id"]) is not None


def test_iso_must_be_ready_usable_and_the_host_must_agree(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    user = make_user(cloud)
    net = insert_network(cloud, env.zone["id"], _account_pk(cloud, "alice"), "10.2.2.0/24")
    mine = deploy(user, env, name="mine", networkids=net)["virtualmachine"]
    private = _iso(api, env, "private", ispublic=False)
    with pytest.raises(ApiError) as err:
        user.call("attachIso", id=private["id"], virtualmachineid=mine["id"])
    assert err.value.status == 531 and "updateIsoPermissions" in err.value.body["errortext"]
    api.call("updateIsoPermissions", id=private["id"], accounts="alice", op="add")
    assert (
        user.run("attachIso", id=private["id"], virtualmachineid=mine["id"])["virtualmachine"][
            "isoid"
        ]
        == private["id"]
    )
    user.run("detachIso", virtualmachineid=mine["id"])
    api.call("configureSimulator", name="DownloadCommand", value="result:fail", count=1)
    broken = _iso(api, env, "broken", ready=False)
    wait_template(api, broken["id"], env.zone["id"], want_ready=False, command="listIsos")
    with pytest.raises(ApiError) as err:
        api.call("attachIso", id=broken["id"], virtualmachineid=mine["id"])
    assert err.value.status == 431 and "not ready" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:  # a template is not an ISO
        api.call("attachIso", id=env.template_id, virtualmachineid=mine["id"])
    assert err.value.status == 431
    api.call("configureSimulator", name="AttachCommand", value="result:fail", count=1)
    with pytest.raises(ApiError) as err:
        api.run("attachIso", id=private["id"], virtualmachineid=mine["id"])
    assert err.value.status == 530
    vm = api.call("listVirtualMachines", id=mine["id"], listall=True)["virtualmachine"][0]
    assert "isoid" not in vm and _drive(api, mine["id"]) is None


def _account_pk(cloud: Cloud, name: str) -> int:
    from cumulo.db.models.account import Account

    return cloud.rt.db.run(  # type: ignore[no-any-return]
        lambda s: s.execute(select(Account.id).where(Account.name == name)).scalar_one()
    )
