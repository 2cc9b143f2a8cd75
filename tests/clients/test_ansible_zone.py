"""An Advanced zone built from nothing and a workload run through its life with Ansible.

Every play runs twice and the second run must report no change: that is how
operators use ngine_io.cloudstack, and it only holds when cumulo answers with
the fields, filters and spellings the modules read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cs import CloudStack

from tests.clients import ansible_zone as plays
from tests.clients.ansible_runner import run_tasks, run_twice
from tests.clients.conftest import LiveServer

pytestmark = pytest.mark.slow


def test_advanced_zone_and_instance_lifecycle(live: LiveServer, tmp_path: Path) -> None:
    cs = CloudStack(endpoint=live.url, key=live.apikey, secret=live.secretkey)
    built = run_twice(
        live, tmp_path, plays.zone_play() + plays.catalog_play() + plays.workload_play()
    )
    assert all(built[name]["changed"] for name in ("zone", "pod", "cluster", "host 0", "network"))
    zone = cs.listZones(name=plays.ZONE)["zone"][0]
    assert (zone["networktype"], zone["allocationstate"]) == ("Advanced", "Enabled")
    hosts = cs.listHosts(zoneid=zone["id"], type="Routing")["host"]
    assert sorted(h["ipaddress"] for h in hosts) == [
        f"{plays.POD_PREFIX}.2",
        f"{plays.POD_PREFIX}.3",
    ]
    assert built["template"]["is_ready"] is True
    web, web2 = built["instance"], built["instance 2"]
    assert web["state"] == web2["state"] == "Running"
    assert web["ssh_key"] == plays.KEY and web["affinity_groups"] == [plays.AFFINITY]
    assert web["host"] != web2["host"], "host anti-affinity spreads the two instances"
    assert built["volume"]["vm"] == plays.VM and built["volume"]["size"] == 2 * 1024**3
    assert sorted(built["load balancer members"]["vms"]) == [plays.VM, plays.VM2]
    assert built["firewall"]["cidrs"] == ["10.0.0.0/8", "192.0.2.0/24"]
    info = built["instance info"]["instances"]
    assert [(i["name"], i["state"]) for i in info] == [(plays.VM, "Running")]
    assert info[0]["default_ip"].startswith("10.1.1.")
    assert sorted(v["type"] for v in info[0]["volumes"]) == ["DATADISK", "ROOT"]

    stopped = run_twice(live, tmp_path, plays.stopped_play())
    assert stopped["stop"]["state"] == "Stopped"
    assert stopped["bigger offering"]["service_offering"] == "acc-large"
    assert stopped["resize"]["size"] == 4 * 1024**3
    vm = cs.listVirtualMachines(name=plays.VM)["virtualmachine"][0]
    assert (vm["state"], vm["cpunumber"], vm["memory"]) == ("Stopped", 2, 1024)

    started = run_twice(live, tmp_path, plays.started_play())
    assert started["start"]["state"] == "Running"
    assert started["reattach"]["vm"] == plays.VM
    restarted = run_tasks(live, tmp_path, plays.restart_play())["restart"]
    assert restarted["changed"] and restarted["state"] == "Running"

    run_twice(live, tmp_path, plays.teardown_play())
    assert cs.listVirtualMachines(zoneid=zone["id"], listall=True) == {}
    assert cs.listVolumes(zoneid=zone["id"], type="DATADISK", listall=True) == {}
    assert cs.listNetworks(zoneid=zone["id"], listall=True) == {}
    assert cs.listPublicIpAddresses(ipaddress=plays.PUBLIC_IP, allocatedonly=True) == {}
