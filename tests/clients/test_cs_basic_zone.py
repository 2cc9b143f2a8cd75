"""The `cs` library and CLI build a Basic zone from nothing and run an instance through it."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cs import CloudStack

from tests.support.server import LiveServer

CS = str(Path(sys.executable).parent / "cs")
GUEST = ("10.147.40.10", "10.147.40.60")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    node = LiveServer(tmp_path_factory.mktemp("basic-zone"), "basic-cs", simulator_state_view=True)
    try:
        node.start(wait=False)
        node.wait_ready(timeout=120)  # a first start on a busy machine is slow
        yield node
    finally:
        node.close()


def until(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout}s")


def cli(server: LiveServer, *args: str) -> dict[str, Any]:
    """The `cs` command line, configured through its environment variables."""
    apikey, secretkey = server.keys()
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(server.data_dir),
        "CLOUDSTACK_ENDPOINT": f"{server.url}/client/api",
        "CLOUDSTACK_KEY": apikey,
        "CLOUDSTACK_SECRET": secretkey,
        "CLOUDSTACK_POLL_INTERVAL": "0.2",
    }
    done = subprocess.run([CS, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def host_vm(server: LiveServer, name: str) -> dict[str, Any] | None:
    """What the simulated host runs for VM ``name`` (NICs, enforced SG rules)."""
    vms = httpx.get(f"{server.url}/simulator/vms", timeout=10).json()
    return vms.get(name)  # type: ignore[no-any-return]


def build_basic_zone(cs: CloudStack, server: LiveServer) -> dict[str, Any]:
    zone = cs.createZone(
        name="basic-cs", networktype="Basic", dns1="8.8.8.8", internaldns1="10.147.28.6",
        securitygroupenabled=True,
    )["zone"]  # fmt: skip
    assert zone["securitygroupsenabled"] is True and zone["networktype"] == "Basic"
    pnet = cs.createPhysicalNetwork(
        zoneid=zone["id"], name="basic-pnet", isolationmethods="L3", fetch_result=True
    )["physicalnetwork"]
    for traffic in ("Guest", "Management"):
        cs.addTrafficType(physicalnetworkid=pnet["id"], traffictype=traffic, fetch_result=True)
    vr = cs.listNetworkServiceProviders(name="VirtualRouter", physicalnetworkid=pnet["id"])
    vr = vr["networkserviceprovider"][0]
    element = cs.listVirtualRouterElements(nspid=vr["id"])["virtualrouterelement"][0]
    cs.configureVirtualRouterElement(id=element["id"], enabled=True, fetch_result=True)
    cs.updateNetworkServiceProvider(id=vr["id"], state="Enabled", fetch_result=True)
    sg = cs.listNetworkServiceProviders(name="SecurityGroupProvider", physicalnetworkid=pnet["id"])
    sg = sg["networkserviceprovider"][0]
    enabled = cs.updateNetworkServiceProvider(id=sg["id"], state="Enabled", fetch_result=True)
    assert enabled["networkserviceprovider"]["state"] == "Enabled"
    cs.updatePhysicalNetwork(id=pnet["id"], state="Enabled", fetch_result=True)
    offering = cs.listNetworkOfferings(name="DefaultSharedNetworkOfferingWithSGService")
    network = cs.createNetwork(
        name="guestNetworkForBasicZone", displaytext="guestNetworkForBasicZone",
        zoneid=zone["id"], networkofferingid=offering["networkoffering"][0]["id"],
    )["network"]  # fmt: skip
    pod = cs.createPod(
        zoneid=zone["id"], name="POD0", gateway="172.16.20.1", netmask="255.255.255.0",
        startip="172.16.20.2", endip="172.16.20.30",
    )["pod"]  # fmt: skip
    guest = cs.createVlanIpRange(
        zoneid=zone["id"], podid=pod["id"], networkid=network["id"], gateway="10.147.40.1",
        netmask="255.255.255.0", startip=GUEST[0], endip=GUEST[1], forvirtualnetwork=False,
    )["vlan"]  # fmt: skip
    assert guest["podid"] == pod["id"] and guest["forvirtualnetwork"] is False
    cluster = cs.addCluster(
        zoneid=zone["id"], podid=pod["id"], clustername="C0", clustertype="CloudManaged",
        hypervisor="Simulator",
    )["cluster"][0]  # fmt: skip
    cs.addHost(
        zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], hypervisor="Simulator",
        url="http://sim/c0/h0", username="root", password="password",
    )  # fmt: skip
    until(
        "the host to come Up",
        lambda: [h for h in cs.listHosts(zoneid=zone["id"]).get("host", []) if h["state"] == "Up"],
    )
    cs.createStoragePool(
        zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], name="PS0",
        url="nfs://10.147.28.6/export/basic-cs/ps0",
    )  # fmt: skip
    cs.addImageStore(
        zoneid=zone["id"], name="sec", provider="NFS", url="nfs://10.147.28.6/export/basic-cs/sec"
    )
    assert cs.updateZone(id=zone["id"], allocationstate="Enabled")["zone"]["allocationstate"] == (
        "Enabled"
    )

    def system_vms_running() -> bool:
        vms = cs.listSystemVms(zoneid=zone["id"]).get("systemvm", [])
        return len([v for v in vms if v["state"] == "Running"]) == 2

    until("both system VMs to run", system_vms_running, timeout=90)
    return {"zone": zone, "pod": pod, "network": network}


def test_basic_zone_from_nothing_and_an_instance_lifecycle(server: LiveServer) -> None:
    apikey, secretkey = server.keys()
    cs = CloudStack(
        endpoint=f"{server.url}/client/api", key=apikey, secret=secretkey, poll_interval=0.1,
        job_timeout=60,
    )  # fmt: skip
    built = build_basic_zone(cs, server)
    zone = built["zone"]
    # The CLI sees what the library built.
    (listed,) = cli(server, "listZones", f"id={zone['id']}")["zone"]
    assert listed["networktype"] == "Basic" and listed["allocationstate"] == "Enabled"
    templates = cli(server, "listTemplates", "templatefilter=featured", f"zoneid={zone['id']}")
    template = next(t for t in templates["template"] if t["hypervisor"] == "Simulator")
    assert template["isready"] is True

    offering = cs.createServiceOffering(
        name="basic-small", displaytext="1x500", cpunumber=1, cpuspeed=500, memory=256
    )["serviceoffering"]
    key = cs.createSSHKeyPair(name="basic-key")["keypair"]
    assert key["privatekey"].startswith("-----BEGIN")
    web = cs.createSecurityGroup(name="web", description="web servers")["securitygroup"]
    ssh = cs.authorizeSecurityGroupIngress(
        securitygroupid=web["id"], protocol="TCP", startport=22, endport=22,
        cidrlist="0.0.0.0/0", fetch_result=True,
    )["securitygroup"]["ingressrule"][0]  # fmt: skip

    vm = cs.deployVirtualMachine(
        zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"],
        keypair="basic-key", securitygroupids=web["id"], name="basic-web", fetch_result=True,
    )["virtualmachine"]  # fmt: skip
    assert vm["state"] == "Running" and vm["keypairs"] == "basic-key"
    assert [g["name"] for g in vm["securitygroup"]] == ["web"]
    (nic,) = vm["nic"]
    assert nic["networkid"] == built["network"]["id"] and nic["isdefault"] is True
    assert ipaddress.IPv4Address(GUEST[0]) <= ipaddress.IPv4Address(nic["ipaddress"])
    assert ipaddress.IPv4Address(nic["ipaddress"]) <= ipaddress.IPv4Address(GUEST[1])
    assert nic["gateway"] == "10.147.40.1"
    (via_cli,) = cli(server, "listNics", f"virtualmachineid={vm['id']}")["nic"]
    assert via_cli["macaddress"] == nic["macaddress"]

    instance = vm["instancename"]
    on_host = host_vm(server, instance)
    assert on_host is not None and on_host["power"] == "Running"
    assert on_host["nics"][nic["macaddress"]]["ip"] == nic["ipaddress"]
    rules = on_host["security_rules"][nic["macaddress"]]["ingress"]
    assert [(r["protocol"], r["startport"], r["cidrs"]) for r in rules] == [
        ("tcp", 22, ["0.0.0.0/0"])
    ]
    http = cs.authorizeSecurityGroupIngress(
        securitygroupid=web["id"], protocol="TCP", startport=80, endport=80,
        cidrlist="10.0.0.0/8", fetch_result=True,
    )  # fmt: skip
    assert http["securitygroup"]["ingressrule"][0]["startport"] == 80
    cs.revokeSecurityGroupIngress(id=ssh["ruleid"], fetch_result=True)
    rules = host_vm(server, instance)["security_rules"][nic["macaddress"]]["ingress"]  # type: ignore[index]
    assert [(r["startport"], r["cidrs"]) for r in rules] == [(80, ["10.0.0.0/8"])]
    (group,) = cs.listSecurityGroups(id=web["id"])["securitygroup"]
    assert [r["startport"] for r in group["ingressrule"]] == [80]

    stopped = cs.stopVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert stopped["state"] == "Stopped" and host_vm(server, instance) is None
    started = cs.startVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert started["state"] == "Running"
    assert started["nic"][0]["ipaddress"] == nic["ipaddress"]
    # The host enforces the group's rules again after the start.
    restarted = host_vm(server, instance)
    assert restarted is not None
    assert [r["startport"] for r in restarted["security_rules"][nic["macaddress"]]["ingress"]] == [
        80
    ]
    rebooted = cs.rebootVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert rebooted["state"] == "Running"

    cs.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    assert cs.listVirtualMachines(id=vm["id"], listall=True) == {}
    assert host_vm(server, instance) is None
    # The address is free again: the next instance may ask for it.
    again = cs.deployVirtualMachine(
        zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"],
        ipaddress=nic["ipaddress"], fetch_result=True,
    )["virtualmachine"]  # fmt: skip
    assert again["nic"][0]["ipaddress"] == nic["ipaddress"]
    assert [g["name"] for g in again["securitygroup"]] == ["default"]
