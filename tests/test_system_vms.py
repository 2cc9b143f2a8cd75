"""System VMs: started per ready zone, recreated when destroyed, blocked without their template."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cumulo.doctor import system_vms as doctor_check
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.template_helpers import add_store, storage_zone


def wait_system_vms(
    api: ApiClient, zone_id: str, want: int = 2, timeout: float = 20.0, **filters: Any
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    vms: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        vms = api.call("listSystemVms", zoneid=zone_id, **filters).get("systemvm", [])
        running = [v for v in vms if v["state"] == "Running"]
        if len(running) == want:
            return running
        time.sleep(0.1)
    raise AssertionError(f"system VMs not Running in {timeout}s: {vms}")


def _enable(api: ApiClient, zone: dict[str, Any]) -> None:
    api.call("updateZone", id=zone["id"], allocationstate="Enabled")


def test_system_vms_start_when_zone_enabled(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    time.sleep(1.5)  # a tick passes: a Disabled zone gets none
    assert api.call("listSystemVms", zoneid=zone["id"]).get("systemvm", []) == []
    _enable(api, zone)
    vms = wait_system_vms(api, zone["id"])
    by_type = {v["systemvmtype"]: v for v in vms}
    assert set(by_type) == {"secondarystoragevm", "consoleproxy"}
    ssvm, cpvm = by_type["secondarystoragevm"], by_type["consoleproxy"]
    assert ssvm["name"].startswith("s-") and ssvm["name"].endswith("-VM")
    assert cpvm["name"].startswith("v-") and cpvm["activeviewersessions"] == 0
    assert ssvm["agentstate"] == "Up" and ssvm["hostid"] and ssvm["podid"]
    assert ssvm["privateip"] != cpvm["privateip"]
    assert ssvm["privateip"].startswith("172.16.15.")
    only = api.call("listSystemVms", systemvmtype="consoleproxy")["systemvm"]
    assert [v["id"] for v in only] == [cpvm["id"]]
    # They run on the simulated host for real.
    host = api.call("listHosts", id=ssvm["hostid"])["host"][0]
    assert host["memoryallocated"] > 0 or host.get("memoryallocatedbytes", 1) > 0
    assert doctor_check.check_all(cloud.rt.db)[0].status == "ok"


def test_destroyed_system_vm_is_recreated(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    _enable(api, zone)
    vms = wait_system_vms(api, zone["id"])
    ssvm = next(v for v in vms if v["systemvmtype"] == "secondarystoragevm")
    gone = api.run("destroySystemVm", id=ssvm["id"])["systemvm"]
    assert gone["state"] == "Destroyed"
    again = wait_system_vms(api, zone["id"], systemvmtype="secondarystoragevm", want=1)
    assert again[0]["id"] != ssvm["id"] and again[0]["name"] != ssvm["name"]


def test_stop_start_reboot(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api)
    _enable(api, zone)
    cpvm = wait_system_vms(api, zone["id"], systemvmtype="consoleproxy", want=1)[0]
    stopped = api.run("stopSystemVm", id=cpvm["id"], forced=True)["systemvm"]
    assert stopped["state"] == "Stopped" and "hostid" not in stopped
    started = api.run("startSystemVm", id=cpvm["id"])
    assert started["systemvm"]["state"] == "Running"
    rebooted = api.run("rebootSystemVm", id=cpvm["id"])["systemvm"]
    assert rebooted["state"] == "Running"


def test_missing_system_template_is_reported(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api, store=False)
    # The store's download of the system VM template fails.
    api.call(
        "configureSimulator",
        name="DownloadCommand",
        value="result:fail",
        zoneid=zone["id"],
        count=1,
    )
    add_store(api, zone, "z1")
    _enable(api, zone)
    deadline = time.monotonic() + 15
    findings = []
    while time.monotonic() < deadline:
        findings = doctor_check.check_all(cloud.rt.db)
        if findings[0].status == "fail":
            break
        time.sleep(0.2)
    assert findings[0].status == "fail", findings
    assert "system VM template missing in zone z1" in findings[0].message
    assert "copyTemplate" in findings[0].message
    time.sleep(1.5)
    assert api.call("listSystemVms", zoneid=zone["id"]).get("systemvm", []) == []
    errors = api.call("listEvents", level="ERROR", listall=True).get("event", [])
    assert any("System VMs not started" in e["description"] for e in errors), errors
    # The operator's fix: copy the template again; the system VMs follow.
    system = api.call("listTemplates", templatefilter="all", templatetype="SYSTEM")["template"][0]
    api.run("copyTemplate", id=system["id"], destzoneid=zone["id"])
    wait_system_vms(api, zone["id"], timeout=25)
    assert doctor_check.check_all(cloud.rt.db)[0].status == "ok"


def test_migrate_and_scale_rules(cloud: Cloud) -> None:
    from tests.infra_helpers import add_host, wait_hosts_up

    api = cloud.admin
    zone = storage_zone(api)
    host0 = api.call("listHosts", type="Routing")["host"][0]
    add_host(api, zone["id"], host0["podid"], host0["clusterid"], "http://sim/z1/h1")
    wait_hosts_up(api, 2)
    _enable(api, zone)
    ssvm = wait_system_vms(api, zone["id"], systemvmtype="secondarystoragevm", want=1)[0]
    moved = api.run("migrateSystemVm", virtualmachineid=ssvm["id"], autoselect=True)["systemvm"]
    assert moved["state"] == "Running" and moved["hostid"] != ssvm["hostid"]
    back = api.run("migrateSystemVm", virtualmachineid=ssvm["id"], hostid=ssvm["hostid"])
    assert back["systemvm"]["hostid"] == ssvm["hostid"]
    offerings = api.call("listServiceOfferings", issystem=True)["serviceoffering"]
    cp_offering = next(o for o in offerings if o.get("systemvmtype") == "consoleproxy")
    ss_offering = next(o for o in offerings if o.get("systemvmtype") == "secondarystoragevm")
    for offering in (cp_offering, ss_offering):  # wrong type, then still Running
        with pytest.raises(ApiError) as err:
            api.call("changeServiceForSystemVm", id=ssvm["id"], serviceofferingid=offering["id"])
        assert err.value.status == 431


def test_system_template_registered_per_zone_still_serves_that_zone(cloud: Cloud) -> None:
    """The multi-zone upgrade trap: a SYSTEM template registered for one zone only."""
    api = cloud.admin
    z1 = storage_zone(api, "z1", "172.16.15")
    z2 = storage_zone(api, "z2", "172.16.16", store=False)
    api.call(
        "configureSimulator", name="DownloadCommand", value="result:fail", zoneid=z2["id"], count=1
    )
    add_store(api, z2, "z2")
    for z in (z1, z2):
        _enable(api, z)
    wait_system_vms(api, z1["id"])
    (mine,) = api.call(
        "registerTemplate",
        name="systemvm-simulator-4.23",
        displaytext="new system VM template",
        url="http://download.example.org/systemvm-4.23.qcow2",
        format="QCOW2",
        hypervisor="Simulator",
        zoneid=z2["id"],
        templatetype="SYSTEM",
    )["template"]
    vms = wait_system_vms(api, z2["id"], timeout=25)
    assert {v["templateid"] for v in vms} == {mine["id"]}
    z1_vms = api.call("listSystemVms", zoneid=z1["id"])["systemvm"]
    assert mine["id"] not in {v["templateid"] for v in z1_vms}
    assert doctor_check.check_all(cloud.rt.db)[0].status == "ok"


def test_system_vm_public_addresses_are_never_handed_to_tenants(cloud: Cloud) -> None:
    api = cloud.admin
    zone = storage_zone(api, store=False)
    api.call(
        "createVlanIpRange",
        zoneid=zone["id"],
        vlan="50",
        gateway="192.168.2.1",
        netmask="255.255.255.0",
        startip="192.168.2.2",
        endip="192.168.2.6",
        forvirtualnetwork=True,
    )
    add_store(api, zone, "z1")
    _enable(api, zone)
    system = {v["publicip"] for v in wait_system_vms(api, zone["id"])}
    assert len(system) == 2 and all(ip.startswith("192.168.2.") for ip in system)
    taken = []
    with pytest.raises(ApiError) as err:
        for _ in range(6):
            taken.append(api.run("associateIpAddress", zoneid=zone["id"])["ipaddress"]["ipaddress"])
    assert err.value.status == 533  # the range is exhausted ...
    assert len(taken) == 3 and not system & set(taken)  # ... after the 3 free addresses
    cap = api.call("listCapacity", zoneid=zone["id"], type=4)["capacity"][0]
    assert (cap["capacityused"], cap["capacitytotal"]) == (5, 5)
