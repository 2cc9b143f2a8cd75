"""The simulator driver and its fault injection (configureSimulator & co)."""

from __future__ import annotations

import time

import pytest

from cumulo.drivers.base import DriverError, GiB, HostSpec, Mock, PoolSpec, VmSpec
from cumulo.drivers.simulator.driver import SimulatorDriver
from cumulo.drivers.simulator.url import parse
from tests.infra_helpers import add_host, simple_zone, wait_hosts_up
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _host(driver: SimulatorDriver, name: str, memory: int = 8 * GiB) -> str:
    info = driver.discover(f"http://sim/c0/{name}", None, None)
    spec = HostSpec(info.guid, "http://sim", name, 4, 2000, memory, 0)
    assert driver.connect_host(spec).ok
    return info.guid


def test_driver_keeps_vm_state_and_capacity() -> None:
    driver = SimulatorDriver()
    a, b = _host(driver, "a"), _host(driver, "b", memory=2 * GiB)
    vm = VmSpec("i-2-3-VM", cpus=2, speed=1000, memory=1 * GiB)
    assert driver.start_vm(a, vm).ok
    assert driver.vm_power_states(a) == {"i-2-3-VM": "Running"}
    stats = driver.host_stats(a)
    assert (stats.cpu_used_mhz, stats.memory_used, stats.vm_count) == (2000, GiB, 1)
    big = VmSpec("i-2-4-VM", cpus=1, speed=1000, memory=3 * GiB)
    assert driver.start_vm(a, big).ok
    refused = driver.migrate_vm(a, b, "i-2-4-VM")  # b has 2 GiB only
    assert not refused.ok and "memory" in refused.details
    assert driver.migrate_vm(a, b, "i-2-3-VM").ok
    assert "i-2-3-VM" in driver.vm_power_states(b) and "i-2-3-VM" not in driver.vm_power_states(a)
    assert driver.reboot_vm(b, "i-2-3-VM").ok
    assert driver.stop_vm(b, "i-2-3-VM").ok and driver.vm_power_states(b) == {}
    driver.set_power(a, False)
    assert not driver.ping(a).ok and not driver.start_vm(a, vm).ok
    pool = PoolSpec("pool-1", "nfs://x/y", "NetworkFilesystem", capacity_bytes=10 * GiB)
    assert driver.attach_pool(b, pool).capacity_bytes == 10 * GiB
    created = driver.create_volume(pool, "ROOT-3", 4 * GiB)
    assert created.ok and driver.attach_pool(b, pool).used_bytes == 4 * GiB
    assert not driver.create_volume(pool, "DATA-3", 7 * GiB).ok  # pool would overflow
    assert driver.destroy_volume(pool, created.data["path"]).ok


def test_driver_mocks_and_latency() -> None:
    driver = SimulatorDriver()
    guid = _host(driver, "m")
    vm = VmSpec("v", 1, 1000, GiB)
    failed = driver.start_vm(guid, vm, Mock("StartCommand", result="fail"))
    assert (failed.ok, failed.details) == (False, "Simulated failure")
    assert driver.vm_power_states(guid) == {}  # a failed start leaves nothing behind
    fault = driver.ping(guid, Mock("PingCommand", result="fault"))
    assert not fault.ok and "Simulated fault" in fault.details
    started = time.monotonic()
    assert driver.ping(guid, Mock("PingCommand", wait_ms=200)).ok
    assert time.monotonic() - started >= 0.2
    canned = Mock(
        "PingCommand",
        json_response='{"com.cloud.agent.api.PingAnswer":{"result":false,"details":"nope"}}',
    )
    assert driver.ping(guid, canned).details == "nope"
    slow = SimulatorDriver(latency_ms=100)
    slow_guid = _host(slow, "s")
    started = time.monotonic()
    slow.ping(slow_guid)
    assert time.monotonic() - started >= 0.1


def test_url_parsing() -> None:
    parsed = parse("http://sim/c0/h0/cpuspeed=1000&cpucore=8&memory=1073741824&localstorage=5")
    assert (parsed.speed, parsed.cpus, parsed.memory, parsed.local_storage) == (1000, 8, GiB, 5)
    assert parse("http://sim/c0/h0").cpus == 4
    for bad in ("http://other/c0/h0", "ftp://sim/x", "http://sim/c0/h0/cpucore=-1"):
        with pytest.raises(DriverError):
            parse(bad)


def test_configure_query_cleanup(cloud: Cloud) -> None:
    api = cloud.admin
    zone, _pod, _cluster = simple_zone(api)
    raw = api.raw(
        "configureSimulator", name="StartCommand", value="result:fail", count=6, zoneid=zone["id"]
    )
    assert raw.status_code == 200
    body = raw.json()["simulatormock"]
    assert body["name"] == "StartCommand" and body["count"] == 6
    assert isinstance(body["id"], int) and isinstance(body["zoneid"], int)
    # Same command and scope: updated, not duplicated.
    again = api.raw(
        "configureSimulator", name="StartCommand", value="wait:10", zoneid=zone["id"]
    ).json()
    assert again["simulatormock"]["id"] == body["id"] and "count" not in again["simulatormock"]
    queried = api.call("querySimulatorMock", id=body["id"])
    assert queried["name"] == "StartCommand"
    assert api.call("cleanupSimulatorMock", id=body["id"]) == {"success": True}
    with pytest.raises(ApiError) as err:
        api.call("querySimulatorMock", id=999999)
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.call("configureSimulator", name="PingCommand", value="nonsense")
    assert err.value.status == 431


def test_ping_failure_takes_one_host_down_and_back(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    sick = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    well = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h1")
    wait_hosts_up(api, 2)
    mock = api.call(
        "configureSimulator", name="PingCommand", value="result:fail", hostid=sick["id"]
    )
    seen = set()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        state = api.call("listHosts", id=sick["id"])["host"][0]["state"]
        seen.add(state)
        if state == "Down":
            break
        time.sleep(0.1)
    assert "Alert" in seen and state == "Down"  # Alert first, Down once it persists
    time.sleep(1.5)  # a few more failed checks: it stays Down, no flapping back Up
    assert api.call("listHosts", id=sick["id"])["host"][0]["state"] == "Down"
    assert api.call("listHosts", id=well["id"])["host"][0]["state"] == "Up"
    api.call("cleanupSimulatorMock", id=mock["id"])
    wait_hosts_up(api, 2)


def test_counted_mock_is_used_up_and_oldest_wins(cloud: Cloud) -> None:
    api = cloud.admin
    zone, pod, cluster = simple_zone(api)
    host = add_host(api, zone["id"], pod["id"], cluster["id"], "http://sim/c0/h0")
    wait_hosts_up(api, 1)
    # The older, broader rule wins over the newer host-specific one.
    older = api.call(
        "configureSimulator", name="PingCommand", value="wait:1", count=2, zoneid=zone["id"]
    )
    newer = api.call(
        "configureSimulator", name="PingCommand", value="result:fail", hostid=host["id"]
    )
    deadline = time.monotonic() + 10
    while api.call("querySimulatorMock", id=older["id"])["count"] > 0:
        # While the older rule still has uses, the newer failure never applies.
        assert api.call("listHosts", id=host["id"])["host"][0]["state"] == "Up"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # Now the host-specific failure applies.
    deadline = time.monotonic() + 10
    while api.call("listHosts", id=host["id"])["host"][0]["state"] == "Up":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    api.call("cleanupSimulatorMock", id=newer["id"])
    wait_hosts_up(api, 1)
