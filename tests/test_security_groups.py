"""Security groups: the default group, create/delete, ingress/egress rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cumulo.db.models.security_group import SecurityGroupVm
from tests.helpers_accounts import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def test_default_group_is_made_once_on_demand(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    with ThreadPoolExecutor(max_workers=6) as pool:
        seen = list(pool.map(lambda _: alice.client.call("listSecurityGroups"), range(6)))
    ids = {body["securitygroup"][0]["id"] for body in seen}
    assert len(ids) == 1 and all(body["count"] == 1 for body in seen)
    group = seen[0]["securitygroup"][0]
    assert (group["name"], group["account"]) == ("default", "alice")
    with pytest.raises(ApiError) as err:
        alice.client.call("deleteSecurityGroup", name="default")
    assert err.value.status == 536
    with pytest.raises(ApiError) as err:
        alice.client.call("createSecurityGroup", name="default")
    assert err.value.status == 431


def test_rules_ingress_egress_and_revoke(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    api = alice.client
    web = api.call("createSecurityGroup", name="web", description="web tier")["securitygroup"]
    assert web["ingressrule"] == [] and web["description"] == "web tier"
    made = api.run(
        "authorizeSecurityGroupIngress",
        securitygroupid=web["id"],
        protocol="tcp",
        startport=80,
        endport=443,
        cidrlist="0.0.0.0/0,10.0.0.0/8",
    )["securitygroup"]
    assert [r["cidr"] for r in made["ingressrule"]] == ["0.0.0.0/0", "10.0.0.0/8"]
    icmp = api.run(
        "authorizeSecurityGroupIngress",
        securitygroupname="web",
        protocol="icmp",
        icmptype=8,
        icmpcode=0,
        **{
            "usersecuritygrouplist[0].account": "alice",
            "usersecuritygrouplist[0].group": "default",
        },
    )["securitygroup"]["ingressrule"][0]
    assert (icmp["icmptype"], icmp["securitygroupname"], icmp["account"]) == (8, "default", "alice")
    egress = api.run(
        "authorizeSecurityGroupEgress",
        securitygroupid=web["id"],
        protocol="all",
        cidrlist="0.0.0.0/0",
    )["securitygroup"]["egressrule"]
    assert len(egress) == 1
    with pytest.raises(ApiError) as err:  # the same rule twice
        api.run(
            "authorizeSecurityGroupIngress",
            securitygroupid=web["id"],
            protocol="tcp",
            startport=80,
            endport=443,
            cidrlist="0.0.0.0/0",
        )
    assert err.value.status == 537
    for bad in ({"protocol": "tcp", "cidrlist": "0.0.0.0/0"}, {"protocol": "tcp", "startport": 22}):
        with pytest.raises(ApiError) as err:
            api.call("authorizeSecurityGroupIngress", securitygroupid=web["id"], **bad)
        assert err.value.status == 431
    listed = api.call("listSecurityGroups", securitygroupname="web")["securitygroup"][0]
    assert len(listed["ingressrule"]) == 3 and len(listed["egressrule"]) == 1
    with pytest.raises(ApiError) as err:  # an egress rule id is not an ingress rule
        api.run("revokeSecurityGroupIngress", id=egress[0]["ruleid"])
    assert err.value.status == 431
    api.run("revokeSecurityGroupEgress", id=egress[0]["ruleid"])
    api.run("revokeSecurityGroupIngress", id=icmp["ruleid"])
    listed = api.call("listSecurityGroups", id=web["id"])["securitygroup"][0]
    assert len(listed["ingressrule"]) == 2 and listed["egressrule"] == []
    api.call("deleteSecurityGroup", id=web["id"])
    assert [g["name"] for g in api.call("listSecurityGroups")["securitygroup"]] == ["default"]


def test_group_in_use_and_other_accounts(cloud: Cloud) -> None:
    alice, bob = make_user(cloud, "alice"), make_user(cloud, "bob")
    group = alice.client.call("createSecurityGroup", name="db")["securitygroup"]
    assert [
        g["name"] for g in bob.client.call("listSecurityGroups", listall=True)["securitygroup"]
    ] == ["default"]
    for command, params in (
        ("deleteSecurityGroup", {"id": group["id"]}),
        (
            "authorizeSecurityGroupIngress",
            {
                "securitygroupid": group["id"],
                "protocol": "tcp",
                "startport": 1,
                "cidrlist": "1.1.1.1/32",
            },
        ),
    ):
        with pytest.raises(ApiError) as err:
            bob.client.call(command, **params)
        assert err.value.status == 531, command

    def join(session):  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from cumulo.db.models.security_group import SecurityGroup

        gid = session.execute(
            select(SecurityGroup.id).where(SecurityGroup.uuid == group["id"])
        ).scalar_one()
        session.add(SecurityGroupVm(group_id=gid, vm_id=4242))

    cloud.rt.db.run(join)
    with pytest.raises(ApiError) as err:
        alice.client.call("deleteSecurityGroup", id=group["id"])
    assert err.value.status == 536 and "in use" in err.value.body["errortext"]
    assert (
        cloud.admin.call("listSecurityGroups", listall=True, securitygroupname="db")["count"] == 1
    )
