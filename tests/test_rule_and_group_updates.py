"""updateFirewallRule, updateEgressFirewallRule, updateSecurityGroup and listHostTags."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers_accounts import make_user
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build


def test_update_ingress_and_egress_firewall_rules(cloud: Cloud) -> None:
    api = cloud.admin
    nz = advanced_zone(api)
    net = isolated(api, nz.zone["id"])
    ip = api.run("associateIpAddress", networkid=net["id"])["ipaddress"]
    rule = api.run("createFirewallRule", ipaddressid=ip["id"], protocol="tcp", startport=22)[
        "firewallrule"
    ]
    egress = api.run("createEgressFirewallRule", networkid=net["id"], protocol="udp", startport=53)[
        "firewallrule"
    ]
    assert rule["fordisplay"] is True

    hidden = api.run("updateFirewallRule", id=rule["id"], fordisplay=False)["firewallrule"]
    assert hidden["fordisplay"] is False and hidden["id"] == rule["id"]
    assert hidden["startport"] == 22 and hidden["state"] == "Active"
    listed = api.call("listFirewallRules", ipaddressid=ip["id"], fordisplay=False)["firewallrule"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert api.call("listFirewallRules", ipaddressid=ip["id"], fordisplay=True) == {}
    assert len(api.call("listEvents", type="FIREWALL.UPDATE")["event"]) == 1

    custom = str(uuid.uuid4())
    renamed = api.run("updateEgressFirewallRule", id=egress["id"], customid=custom)["firewallrule"]
    assert renamed["id"] == custom and renamed["traffictype"] == "Egress"
    assert api.call("listEgressFirewallRules", id=custom)["firewallrule"][0]["startport"] == 53
    assert api.call("listEvents", type="FIREWALL.EGRESS.UPDATE")["count"] == 1

    for params, status, text in [
        ({"id": rule["id"], "customid": custom}, 431, "already exists"),
        ({"id": rule["id"], "customid": "Not-A-UUID"}, 431, "UUID format"),
    ]:
        with pytest.raises(ApiError) as err:
            api.call("updateFirewallRule", **params)
        assert err.value.status == status and text in err.value.body["errortext"]
    with pytest.raises(ApiError) as wrong_kind:  # an egress rule is not an ingress rule
        api.call("updateFirewallRule", id=custom, fordisplay=True)
    assert wrong_kind.value.status == 431 and "not an ingress rule" in str(wrong_kind.value.body)
    assert api.call("listFirewallRules", id=rule["id"])["firewallrule"][0]["fordisplay"] is False

    user = make_user(cloud, "mallory")
    with pytest.raises(ApiError) as other:
        user.client.call("updateFirewallRule", id=rule["id"], fordisplay=True)
    assert other.value.status == 531


def test_update_security_group_renames_but_not_default(cloud: Cloud) -> None:
    api = cloud.admin
    group = api.call("createSecurityGroup", name="web")["securitygroup"]
    api.call("createSecurityGroup", name="db")
    (default,) = api.call("listSecurityGroups", securitygroupname="default")["securitygroup"]

    renamed = api.call("updateSecurityGroup", id=group["id"], name="frontend")["securitygroup"]
    assert renamed["name"] == "frontend" and renamed["id"] == group["id"]
    assert api.call("listSecurityGroups", id=group["id"])["securitygroup"][0]["name"] == "frontend"
    assert api.call("listEvents", type="SG.UPDATE")["count"] == 1
    for params, text in [
        ({"id": group["id"], "name": "default"}, "reserved"),
        ({"id": group["id"], "name": "DEFAULT"}, "reserved"),
        ({"id": default["id"], "name": "renamed"}, "default security group cannot be renamed"),
        ({"id": group["id"], "name": "db"}, "already exists"),
        ({"id": group["id"], "name": "  "}, "cannot be empty"),
    ]:
        with pytest.raises(ApiError) as err:
            api.call("updateSecurityGroup", **params)
        assert err.value.status == 431 and text in err.value.body["errortext"], params
    assert api.call("listSecurityGroups", id=group["id"])["securitygroup"][0]["name"] == "frontend"

    custom = str(uuid.uuid4())
    assert (
        api.call("updateSecurityGroup", id=group["id"], customid=custom)["securitygroup"]["id"]
        == custom
    )
    # Root admin only, as in CloudStack.
    user = make_user(cloud, "eve")
    with pytest.raises(ApiError) as denied:
        user.client.call("updateSecurityGroup", id=custom, name="x")
    assert denied.value.status == 432


def test_list_host_tags(cloud: Cloud) -> None:
    api = cloud.admin
    env = build(cloud, hosts_per_cluster=2)
    first, second = env.hosts
    api.call("updateHost", id=first["id"], hosttags="ssd,gpu")
    api.call("updateHost", id=second["id"], hosttags="ssd")

    tags = api.call("listHostTags")
    assert tags["count"] == 3
    pairs = sorted((t["hostid"], t["name"]) for t in tags["hosttag"])
    assert [name for _host, name in pairs] == ["gpu", "ssd", "ssd"]
    assert len({host for host, _name in pairs}) == 2
    assert len({t["id"] for t in tags["hosttag"]}) == 3
    assert all(t["isimplicit"] is False for t in tags["hosttag"])
    gpu = api.call("listHostTags", keyword="gp")["hosttag"]
    assert [t["name"] for t in gpu] == ["gpu"]
    paged = api.call("listHostTags", page=2, pagesize=2)
    assert paged["count"] == 3 and len(paged["hosttag"]) == 1
    api.call("updateHost", id=first["id"], hosttags="nvme")
    assert sorted(t["name"] for t in api.call("listHostTags")["hosttag"]) == ["nvme", "ssd"]
