"""No user reaches another account's resources by naming their ids (§5).

Generic over the registry: bob owns one resource of every kind; every command
a plain user may call is tried by alice with bob's resource in each of its
UUID parameters (and bob's resources or harmless values in the other required
ones). A command must refuse (never run on bob's resource) and a list must not
show it. New commands are covered the moment they are declared.
"""

from __future__ import annotations

from typing import Any

import pytest

from cumulo.api.declaration import Command, load_commands
from cumulo.api.params import Param, ParamType
from cumulo.api.roles import RoleType
from tests.identity import account_client
from tests.network_helpers import isolated
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud
from tests.tenants import shared_cloud  # noqa: F401  (module-scoped "cloud")
from tests.vm_helpers import build

# Entities an account owns; commands taking one of them are probed.
OWNED = (
    "VMInstance",
    "Nic",
    "Volume",
    "Network",
    "Snapshot",
    "SnapshotPolicy",
    "PublicIp",
    "NetworkRule",
    "SecurityGroup",
    "AffinityGroup",
    "VMTemplate",
    "AsyncJob",
    "User",
    "Account",
)


def _user_commands() -> list[Command]:
    return sorted(
        (
            c
            for c in load_commands().values()
            if RoleType.USER in c.authorized
            and any(p.entity in OWNED and not p.unsupported for p in c.params)
        ),
        key=lambda c: c.name,
    )


COMMANDS = _user_commands()


@pytest.fixture(scope="module")
def bobs(cloud: Cloud) -> tuple[ApiClient, ApiClient, dict[str, str]]:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    api.call(
        "createVlanIpRange",
        zoneid=env.zone["id"],
        vlan="50",
        gateway="192.168.2.1",
        netmask="255.255.255.0",
        startip="192.168.2.2",
        endip="192.168.2.40",
        forvirtualnetwork=True,
    )
    bob_acct, bob = account_client(cloud, "xb-bob")
    _alice_acct, alice = account_client(cloud, "xb-alice")
    net = isolated(bob, env.zone["id"], name="bobnet")
    vm = bob.run(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=net["id"],
    )["virtualmachine"]
    root = bob.call("listVolumes", virtualmachineid=vm["id"])["volume"][0]
    offering = api.call("listDiskOfferings")["diskoffering"][0]
    data = bob.run(
        "createVolume", name="bobdata", zoneid=env.zone["id"], diskofferingid=offering["id"]
    )["volume"]
    snap = bob.run("createSnapshot", volumeid=root["id"])["snapshot"]
    policy = bob.call(
        "createSnapshotPolicy",
        volumeid=root["id"],
        intervaltype="daily",
        schedule="00:01",
        maxsnaps=1,
        timezone="UTC",
    )["snapshotpolicy"]
    ip = bob.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    rule = bob.run(
        "createPortForwardingRule",
        ipaddressid=ip["id"],
        privateport=22,
        publicport=2222,
        protocol="TCP",
        virtualmachineid=vm["id"],
    )["portforwardingrule"]
    sg = bob.call("createSecurityGroup", name="bobsg")["securitygroup"]
    ag = bob.run("createAffinityGroup", name="bobag", type="host anti-affinity")["affinitygroup"]
    bob.run("stopVirtualMachine", id=vm["id"])
    tpl = bob.run(
        "createTemplate",
        name="bobtpl",
        displaytext="bob",
        volumeid=root["id"],
        ostypeid=api.call("listOsTypes")["ostype"][0]["id"],
    )["template"]
    job = bob.call("listAsyncJobs")["asyncjobs"][0]
    # Alice's own project: the probes put bob's users into it.
    project = alice.run("createProject", name="xb-alices", displaytext="a")["project"]
    # ... where bob's user has an invitation: answering it for bob is a real probe.
    api.call("updateConfiguration", name="project.invite.required", value="true")
    alice.run("addUserToProject", projectid=project["id"], username="xb-bob")
    api.call("updateConfiguration", name="project.invite.required", value="false")
    resources = {
        "VMInstance": vm["id"],
        "Nic": vm["nic"][0]["id"],
        "Volume": data["id"],
        "Network": net["id"],
        "Snapshot": snap["id"],
        "SnapshotPolicy": policy["id"],
        "PublicIp": ip["id"],
        "NetworkRule": rule["id"],
        "SecurityGroup": sg["id"],
        "AffinityGroup": ag["id"],
        "VMTemplate": tpl["id"],
        "AsyncJob": job["jobid"],
        "User": bob_acct["user"][0]["id"],
        "Account": bob_acct["id"],
        "Zone": env.zone["id"],
        "ServiceOffering": env.offering["id"],
        "DiskOffering": offering["id"],
        "GuestOs": api.call("listOsTypes")["ostype"][0]["id"],
        "StoragePool": env.pools[0]["id"],
        "Project": project["id"],
    }
    return alice, bob, resources


def _value(param: Param, resources: dict[str, str]) -> Any:
    if param.entity:
        return resources.get(param.entity)
    if param.type == ParamType.BOOLEAN:
        return "true"
    if param.type in (ParamType.INTEGER, ParamType.LONG, ParamType.SHORT):
        return "1"
    if param.type in (ParamType.STRING, ParamType.LIST) and not param.choices:
        return "x1"
    if param.choices:
        return param.choices[0]
    return None


def _args(command: Command, probe: Param, resources: dict[str, str]) -> dict[str, Any] | None:
    args: dict[str, Any] = {probe.name: resources[probe.entity or ""]}
    for param in command.params:
        if param is probe or not param.required:
            continue
        value = _value(param, resources)
        if value is None:
            return None  # a required parameter we can't fill: nothing to learn
        args[param.name] = value
    return args


def _contains(body: Any, uuid: str) -> bool:
    if isinstance(body, dict):
        return any(_contains(v, uuid) for v in body.values())
    if isinstance(body, list):
        return any(_contains(v, uuid) for v in body)
    return body == uuid


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_other_accounts_resources_are_out_of_reach(bobs: tuple, command: Command) -> None:
    alice, _bob, resources = bobs
    probes = [p for p in command.params if p.entity in OWNED and not p.unsupported]
    tried = 0
    for probe in probes:
        if probe.type != ParamType.UUID:
            continue
        args = _args(command, probe, resources)
        if args is None:
            continue
        tried += 1
        target = args[probe.name]
        try:
            body = alice.call(command.name, **args)
        except ApiError as exc:
            assert exc.status in (431, 531, 533, 536, 537), (probe.name, exc.body)
            continue
        if command.is_list:
            # A filter naming bob's resource lists nothing of bob's.
            assert body == {} or not _contains(body, target), (probe.name, body)
            continue
        if "jobid" in body:
            job = alice.wait_job(body["jobid"])
            assert job["jobstatus"] == 2, (probe.name, job)
            continue
        raise AssertionError(f"{command.name} {probe.name}={target} ran for alice: {body}")
    assert tried or not probes, f"no probe of {command.name} could be built"
