"""moveUser (to another account of the domain) and moveDomain (a subtree under a new parent)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.identity import account_client, act_as, error_of, event_types, make_account, make_domain
from tests.support.cloud import Cloud
from tests.test_projects import create_project


def _domain(cloud: Cloud, domain_id: str) -> dict[str, Any]:
    return cloud.admin.call("listDomains", id=domain_id)["domain"][0]  # type: ignore[no-any-return]


def test_move_user_to_another_account_of_the_domain(cloud: Cloud) -> None:
    api = cloud.admin
    dom = make_domain(cloud, "mv-dom")
    src = make_account(cloud, "mv-src", domainid=dom["id"])
    dst = make_account(cloud, "mv-dst", domainid=dom["id"])
    user = api.call(
        "createUser",
        account="mv-src",
        domainid=dom["id"],
        username="mv-walker",
        password="pw",
        email="w@example.org",
        firstname="W",
        lastname="K",
    )["user"]
    walker = act_as(cloud, user["id"])
    # A project membership of the user's own ends with the move.
    _o, owner = account_client(cloud, "mv-owner", domainid=dom["id"])
    pid = create_project(owner, "mv-proj")["id"]
    owner.run("addUserToProject", projectid=pid, username="mv-walker")
    # ... and so does a pending invitation (it names the account the user leaves).
    api.call("updateConfiguration", name="project.invite.required", value="true")
    pid2 = create_project(owner, "mv-proj2")["id"]
    owner.run("addUserToProject", projectid=pid2, username="mv-walker")
    api.call("updateConfiguration", name="project.invite.required", value="false")
    assert walker.call("listProjectInvitations")["count"] == 1
    assert walker.call("listAccounts")["account"][0]["name"] == "mv-src"
    api.call("moveUser", id=user["id"], account="mv-dst")
    moved = api.call("listUsers", id=user["id"])["user"][0]
    assert (moved["account"], moved["accountid"]) == ("mv-dst", dst["id"])
    # The same keys now act as the new account.
    assert walker.call("listAccounts")["account"][0]["name"] == "mv-dst"
    assert walker.call("listProjects") == {}
    assert owner.call("listProjectInvitations", projectid=pid2) == {}
    assert "USER.MOVE" in event_types(cloud)
    # Back by id; moving to where it is changes nothing.
    api.call("moveUser", id=user["id"], accountid=src["id"])
    api.call("moveUser", id=user["id"], accountid=src["id"])
    assert api.call("listUsers", id=user["id"])["user"][0]["account"] == "mv-src"
    # What to fix, never a half move.
    other = make_account(cloud, "mv-other")  # ROOT domain
    bad = [
        {"id": user["id"]},
        {"id": user["id"], "account": "mv-dst", "accountid": dst["id"]},
        {"id": user["id"], "accountid": other["id"]},
        {"id": user["id"], "account": "nobody"},
        {"id": api.call("listUsers", username="admin")["user"][0]["id"], "account": "mv-other"},
    ]
    for params in bad:
        assert error_of(api.call, "moveUser", **params) == 431, params
    assert api.call("listUsers", id=user["id"])["user"][0]["account"] == "mv-src"
    # Root admins only.
    _d, domain_admin = account_client(cloud, "mv-dadmin", domainid=dom["id"], accounttype=2)
    assert error_of(domain_admin.call, "moveUser", id=user["id"], account="mv-dst") == 432


@pytest.mark.backends("sqlite", "mariadb")  # the path rewrite is SQL of each dialect
def test_move_domain_subtree(cloud: Cloud) -> None:
    api = cloud.admin
    a = make_domain(cloud, "md-a")
    a1 = make_domain(cloud, "md-a1", a["id"])
    a2 = make_domain(cloud, "md-a2", a1["id"])
    b = make_domain(cloud, "md-b")
    _t, tenant = account_client(cloud, "md-tenant", domainid=a2["id"])
    create_project(tenant, "md-proj")
    key = tenant.call("createSSHKeyPair", name="md-key")["keypair"]
    _ad, admin_a = account_client(cloud, "md-admin-a", domainid=a["id"], accounttype=2)
    _bd, admin_b = account_client(cloud, "md-admin-b", domainid=b["id"], accounttype=2)
    assert _domain(cloud, a["id"])["projecttotal"] == 1
    before_root = api.call("listDomains", name="ROOT")["domain"][0]["projecttotal"]
    moved = api.call("moveDomain", domainid=a1["id"], parentdomainid=b["id"])["domain"]
    assert (moved["path"], moved["level"], moved["parentdomainid"]) == (
        "ROOT/md-b/md-a1",
        2,
        b["id"],
    )
    sub = _domain(cloud, a2["id"])
    assert (sub["path"], sub["level"]) == ("ROOT/md-b/md-a1/md-a2", 3)
    assert _domain(cloud, a["id"])["haschild"] is False
    assert _domain(cloud, b["id"])["haschild"] is True
    # Counts follow the usage; the common ancestor keeps its total.
    assert _domain(cloud, a["id"])["projecttotal"] == 0
    assert _domain(cloud, b["id"])["projecttotal"] == 1
    assert api.call("listDomains", name="ROOT")["domain"][0]["projecttotal"] == before_root
    # Visibility follows the path: b's admin sees the tenant's key now, a's does not.
    assert key["name"] in {
        k["name"] for k in admin_b.call("listSSHKeyPairs", listall=True).get("sshkeypair", [])
    }
    assert admin_a.call("listSSHKeyPairs", listall=True).get("sshkeypair", []) == []
    assert "DOMAIN.MOVE" in event_types(cloud)
    # Renaming rewrites the stored paths the same way.
    api.call("updateDomain", id=b["id"], name="md-b2")
    assert _domain(cloud, a2["id"])["path"] == "ROOT/md-b2/md-a1/md-a2"
    keys = admin_b.call("listSSHKeyPairs", listall=True).get("sshkeypair", [])
    assert key["name"] in {k["name"] for k in keys}


def test_move_domain_refusals_leave_the_tree_as_it_was(cloud: Cloud) -> None:
    api = cloud.admin
    c = make_domain(cloud, "mr-c")
    cx = make_domain(cloud, "mr-x", c["id"])
    cy = make_domain(cloud, "mr-y", cx["id"])
    d = make_domain(cloud, "mr-d")
    make_domain(cloud, "mr-x", d["id"])
    _t, tenant = account_client(cloud, "mr-tenant", domainid=cy["id"])
    create_project(tenant, "mr-proj")
    root_id = api.call("listDomains", name="ROOT")["domain"][0]["id"]
    cases = [
        {"domainid": root_id, "parentdomainid": d["id"]},  # ROOT
        {"domainid": cx["id"], "parentdomainid": cy["id"]},  # into its own subtree
        {"domainid": cx["id"], "parentdomainid": cx["id"]},  # under itself
        {"domainid": cx["id"], "parentdomainid": c["id"]},  # already there
        {"domainid": cx["id"], "parentdomainid": d["id"]},  # d has an mr-x
    ]
    for params in cases:
        assert error_of(api.call, "moveDomain", **params) == 431, params
    # Over the new parent's limit: 532, and nothing moved or recounted.
    api.call("updateResourceLimit", domainid=d["id"], resourcetype=5, max=0)
    assert error_of(api.call, "moveDomain", domainid=cy["id"], parentdomainid=d["id"]) == 532
    assert _domain(cloud, cy["id"])["path"] == "ROOT/mr-c/mr-x/mr-y"
    assert _domain(cloud, d["id"])["projecttotal"] == 0
    assert _domain(cloud, c["id"])["projecttotal"] == 1
