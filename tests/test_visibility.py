"""§5 visibility: users stay in their account, domain admins in their subtree,
admins need listall to see others. Every test here tries to cross a line."""

from __future__ import annotations

from tests.identity import account_client, error_of, make_account, make_domain, names
from tests.support.cloud import Cloud


def test_user_sees_only_its_own_account(cloud: Cloud) -> None:
    me, user = account_client(cloud, "mallory")
    other = make_account(cloud, "victim")
    victim_user = other["user"][0]["id"]
    for params in ({}, {"listall": True}, {"domainid": me["domainid"]}):
        assert names(user.call("listAccounts", **params), "account") == {"mallory"}
    assert error_of(user.call, "listAccounts", id=other["id"]) == 531
    assert error_of(user.call, "listAccounts", domainid=make_domain(cloud, "x")["id"]) == 531
    # Another user's keys, key rotation, profile: all refused.
    assert error_of(user.call, "getUserKeys", id=victim_user) == 531
    assert error_of(user.call, "registerUserKeys", id=victim_user) == 531
    assert error_of(user.call, "updateUser", id=victim_user, email="pwned@x") == 531
    assert (
        error_of(user.call, "updateUser", id=victim_user, password="x", currentpassword="y") == 531
    )
    victim_key = cloud.admin.call("registerUserKeys", id=victim_user)["userkeys"]["apikey"]
    assert error_of(user.call, "getUser", userapikey=victim_key) == 531
    # Projects of others stay hidden.
    cloud.admin.call("createProject", name="secret", account="victim", domainid=other["domainid"])
    assert user.call("listProjects", listall=True) == {}


def test_user_cannot_call_admin_commands(cloud: Cloud) -> None:
    me, user = account_client(cloud, "eve")
    admin_only = {
        "createAccount": dict(username="x", password="x", email="x", firstname="x", lastname="x"),
        "updateAccount": dict(id=me["id"], newname="boss"),
        "deleteAccount": dict(id=me["id"]),
        "disableAccount": dict(id=me["id"], lock=True),
        "enableAccount": dict(id=me["id"]),
        "lockAccount": dict(account="eve", domainid=me["domainid"]),
        "createUser": dict(
            account="eve", username="y", password="y", email="y", firstname="y", lastname="y"
        ),
        "listUsers": {},
        "deleteUser": dict(id=me["user"][0]["id"]),
        "disableUser": dict(id=me["user"][0]["id"]),
        "lockUser": dict(id=me["user"][0]["id"]),
        "enableUser": dict(id=me["user"][0]["id"]),
        "createRole": dict(name="mine", type="Admin"),
        "listRoles": {},
        "createRolePermission": dict(roleid="4", rule="*", permission="allow"),
        "importRole": {"name": "r", "rules[0].rule": "*", "rules[0].permission": "allow"},
        "updateResourceLimit": dict(resourcetype=0, max=1000),
        "createDomain": dict(name="mine"),
    }
    for command, params in admin_only.items():
        assert error_of(user.call, command, **params) == 432, command
    # Nothing changed.
    assert cloud.admin.call("listAccounts", id=me["id"])["account"][0]["state"] == "enabled"
    # A user may update itself (without role or key-access changes).
    mine = user.call("updateUser", id=me["user"][0]["id"], firstname="Evelyn")
    assert mine["user"]["firstname"] == "Evelyn"


def test_domain_admin_stays_in_its_subtree(cloud: Cloud) -> None:
    home = make_domain(cloud, "home")
    below = make_domain(cloud, "below", home["id"])
    away = make_domain(cloud, "away")
    da, dadmin = account_client(cloud, "da", accounttype=2, domainid=home["id"])
    inside = make_account(cloud, "inside", domainid=below["id"])
    outside = make_account(cloud, "outside", domainid=away["id"])
    out_user = outside["user"][0]["id"]
    # Without listall only its own account; with listall its subtree only.
    assert names(dadmin.call("listAccounts"), "account") == {"da"}
    assert names(dadmin.call("listAccounts", listall=True), "account") == {"da", "inside"}
    assert names(dadmin.call("listUsers", listall=True), "user", "username") == {"da", "inside"}
    assert names(dadmin.call("listDomains", listall=True), "domain") == {"home", "below"}
    # Reading outside.
    assert error_of(dadmin.call, "listAccounts", domainid=away["id"]) == 531
    assert error_of(dadmin.call, "listAccounts", id=outside["id"]) == 531
    assert error_of(dadmin.call, "listUsers", domainid=away["id"]) == 531
    assert error_of(dadmin.call, "listUsers", id=out_user) == 531
    assert error_of(dadmin.call, "getUserKeys", id=out_user) == 531
    assert (
        error_of(dadmin.call, "listResourceLimits", account="outside", domainid=away["id"]) == 531
    )
    # Changing outside.
    assert error_of(dadmin.call, "updateAccount", id=outside["id"], newname="mine") == 531
    assert error_of(dadmin.call, "deleteAccount", id=outside["id"]) == 531
    assert error_of(dadmin.call, "disableAccount", id=outside["id"], lock=False) == 531
    assert error_of(dadmin.call, "disableUser", id=out_user) == 531
    assert error_of(dadmin.call, "updateUser", id=out_user, password="owned") == 531
    assert error_of(dadmin.call, "deleteUser", id=out_user) == 531
    assert (
        error_of(
            dadmin.call,
            "createUser",
            account="outside",
            domainid=away["id"],
            username="spy",
            password="p",
            email="e",
            firstname="f",
            lastname="l",
        )
        == 531
    )
    base = dict(password="p", email="e", firstname="f", lastname="l")
    assert (
        error_of(
            dadmin.call, "createAccount", username="spy", accounttype=0, domainid=away["id"], **base
        )
        == 531
    )
    # Nor may it mint root admins or promote itself.
    assert error_of(dadmin.call, "createAccount", username="root2", accounttype=1, **base) == 531
    assert error_of(dadmin.call, "updateAccount", id=da["id"], newname="da2") == 531
    root_admin = cloud.admin.call("listAccounts")["account"][0]
    assert error_of(dadmin.call, "disableAccount", id=root_admin["id"], lock=True) == 531
    # Everything outside is untouched.
    still = cloud.admin.call("listAccounts", id=outside["id"])["account"][0]
    assert still["name"] == "outside" and still["state"] == "enabled"
    # Inside its subtree it is an admin.
    renamed = dadmin.call("updateAccount", id=inside["id"], newname="inside2")
    assert renamed["account"]["name"] == "inside2"
    made = dadmin.call(
        "createAccount", username="newbie", accounttype=0, domainid=below["id"], **base
    )
    assert made["account"]["domainpath"] == "ROOT/home/below"
    assert dadmin.run("disableAccount", id=inside["id"], lock=True)["account"]["state"] == "locked"
    assert dadmin.run("deleteAccount", id=made["account"]["id"]) == {"success": True}


def test_admin_needs_listall_to_see_others(cloud: Cloud) -> None:
    make_account(cloud, "someone")
    assert names(cloud.admin.call("listAccounts"), "account") == {"admin"}
    assert names(cloud.admin.call("listUsers"), "user", "username") == {"admin"}
    assert "someone" in names(cloud.admin.call("listAccounts", listall=True), "account")
    assert "someone" in names(cloud.admin.call("listUsers", listall=True), "user", "username")
