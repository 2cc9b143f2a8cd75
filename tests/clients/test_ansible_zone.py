"""An Advanced zone built from nothing and a workload run through its life with Ansible.

Every play runs twice and the second run must report no change: that is how
operators use ngine_io.cloudstack, and it only holds when cumulo answers with
the fields, filters and spellings the modules read. All plays run in one
`ansible-playbook` process (its start-up costs seconds each time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cs import CloudStack

from tests.clients import ansible_zone as plays
from tests.clients.ansible_runner import Phase, run_phases
from tests.clients.conftest import LiveServer

pytestmark = pytest.mark.slow


# ~230 module runs (every play twice): each costs Ansible ~0.5 s of CPU (a fresh
# interpreter compiling module_utils from the AnsiballZ zip) plus the server's
# answers to its lookups, about 190 s CPU in all; 300 s leaves no margin on a
# busy 2-core runner.
@pytest.mark.timeout(600)
def test_advanced_zone_and_instance_lifecycle(live: LiveServer, tmp_path: Path) -> None:
    cs = CloudStack(endpoint=live.url, key=live.apikey, secret=live.secretkey)
    out = run_phases(
        live,
        tmp_path,
        [
            Phase(plays.zone_play()),
            Phase(plays.catalog_play()),
            Phase(plays.workload_play()),
            Phase(plays.stopped_play()),
            Phase(plays.started_play()),
            Phase(plays.restart_play(), twice=False),
            Phase(plays.unbalance_play()),
            Phase(plays.unpublish_play()),
            Phase(plays.teardown_play()),
        ],
    )
    assert all(out[name]["changed"] for name in ("zone", "pod", "cluster", "host 0", "network"))
    zone = cs.listZones(name=plays.ZONE)["zone"][0]
    assert (zone["networktype"], zone["allocationstate"]) == ("Advanced", "Enabled")
    hosts = cs.listHosts(zoneid=zone["id"], type="Routing")["host"]
    assert sorted(h["ipaddress"] for h in hosts) == [
        f"{plays.POD_PREFIX}.2",
        f"{plays.POD_PREFIX}.3",
    ]
    assert out["template"]["is_ready"] is True

    web, web2 = out["instance"], out["instance 2"]
    assert web["state"] == web2["state"] == "Running"
    assert web["ssh_key"] == plays.KEY and web["affinity_groups"] == [plays.AFFINITY]
    assert web["host"] != web2["host"], "host anti-affinity spreads the two instances"
    assert out["volume"]["vm"] == plays.VM and out["volume"]["size"] == 2 * 1024**3
    assert sorted(out["load balancer members"]["vms"]) == [plays.VM, plays.VM2]
    assert out["firewall"]["cidrs"] == ["10.0.0.0/8", "192.0.2.0/24"]
    assert out["port forward"]["vm_guest_ip"] == web["default_ip"]
    assert out["static nat"]["vm_guest_ip"] == web2["default_ip"]
    info = out["instance info"]["instances"]
    assert [(i["name"], i["state"]) for i in info] == [(plays.VM, "Running")]
    assert info[0]["default_ip"].startswith("10.1.1.")
    assert sorted(v["type"] for v in info[0]["volumes"]) == ["DATADISK", "ROOT"]

    assert out["stop"]["state"] == "Stopped"
    assert out["bigger offering"]["service_offering"] == "acc-large"
    assert not out["detach"].get("vm")
    assert out["resize"]["size"] == 4 * 1024**3
    assert out["start"]["state"] == "Running"
    assert out["reattach"]["vm"] == plays.VM
    assert out["restart"]["changed"] and out["restart"]["state"] == "Running"

    assert out["destroy"]["state"] == "Destroyed" and out["expunge"]["changed"]
    assert cs.listVirtualMachines(zoneid=zone["id"], listall=True) == {}
    assert cs.listVolumes(zoneid=zone["id"], type="DATADISK", listall=True) == {}
    assert cs.listNetworks(zoneid=zone["id"], listall=True) == {}
    assert cs.listPublicIpAddresses(ipaddress=plays.PUBLIC_IP, allocatedonly=True) == {}
