"""Accounts: create with the first user, update, disable/lock/enable, delete, list."""

from __future__ import annotations

import uuid

from tests.identity import account_client, act_as, error_of, event_types, make_account, make_domain
from tests.support.cloud import Cloud


def test_create_account_with_first_user_details_and_custom_ids(cloud: Cloud) -> None:
    account_id, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    acct = make_account(
        cloud,
        "alice",
        account="team-a",
        accountid=account_id,
        userid=user_id,
        timezone="Europe/Berlin",
        networkdomain="team-a.example",
        **{"accountdetails[0].costcenter": "42", "accountdetails[1].owner": "ops"},
    )
    assert acct["id"] == account_id and acct["name"] == "team-a"
    assert acct["accounttype"] == 0 and acct["roletype"] == "User" and acct["rolename"] == "User"
    assert acct["state"] == "enabled" and acct["domainpath"] == "ROOT"
    assert acct["networkdomain"] == "team-a.example"
    assert acct["accountdetails"] == {"costcenter": "42", "owner": "ops"}
    assert acct["vmlimit"] == "20" and acct["vmtotal"] == 0 and acct["vmavailable"] == "20"
    assert acct["cpulimit"] == "40" and acct["primarystoragelimit"] == "200"
    (user,) = acct["user"]
    assert user["id"] == user_id and user["username"] == "alice"
    assert user["timezone"] == "Europe/Berlin" and user["accountid"] == account_id
    # The new user can act through the API as itself.
    me = act_as(cloud, user_id).call("listAccounts")
    assert [a["name"] for a in me["account"]] == ["team-a"]
    assert {"ACCOUNT.CREATE", "USER.CREATE"} <= set(event_types(cloud))


def test_create_account_by_role_and_account_type_rules(cloud: Cloud) -> None:
    roles = cloud.admin.call("listRoles")["role"]
    domain_admin_role = next(r for r in roles if r["type"] == "DomainAdmin")
    sub = make_domain(cloud, "sub")
    acct = make_account(cloud, "dave", roleid=domain_admin_role["id"], domainid=sub["id"])
    assert acct["accounttype"] == 2 and acct["roleid"] == domain_admin_role["id"]
    assert acct["domainpath"] == "ROOT/sub"
    call = cloud.admin.call
    base = dict(password="x", email="e@x", firstname="f", lastname="l")
    assert error_of(call, "createAccount", username="nobody", **base) == 431  # no type, no role
    assert (
        error_of(call, "createAccount", username="dave", accounttype=0, domainid=sub["id"], **base)
        == 431
    )
    assert (
        error_of(
            call,
            "createAccount",
            username="mix",
            accounttype=0,
            roleid=domain_admin_role["id"],
            **base,
        )
        == 431
    )
    assert (
        error_of(
            call, "createAccount", username="rootish", accounttype=1, domainid=sub["id"], **base
        )
        == 431
    )
    # A clash on the user half leaves no account behind.
    assert (
        error_of(
            call,
            "createAccount",
            username="dave",
            account="other",
            accounttype=0,
            domainid=sub["id"],
            **base,
        )
        == 431
    )
    assert cloud.admin.call("listAccounts", listall=True, name="other") == {}


def test_update_account(cloud: Cloud) -> None:
    acct, client = account_client(cloud, "bob")
    custom = cloud.admin.call("createRole", name="Auditor", type="User")["role"]
    updated = cloud.admin.call(
        "updateAccount",
        id=acct["id"],
        newname="robert",
        networkdomain="bob.example",
        roleid=custom["id"],
        **{"accountdetails[0].tier": "gold"},
    )["account"]
    assert updated["name"] == "robert" and updated["networkdomain"] == "bob.example"
    assert updated["roleid"] == custom["id"] and updated["accountdetails"] == {"tier": "gold"}
    # account + domainid addressing works too.
    again = cloud.admin.call(
        "updateAccount", account="robert", domainid=acct["domainid"], newname="rob"
    )
    assert again["account"]["name"] == "rob"
    admin_role = next(r for r in cloud.admin.call("listRoles")["role"] if r["type"] == "Admin")
    assert (
        error_of(cloud.admin.call, "updateAccount", id=acct["id"], roleid=admin_role["id"]) == 431
    )
    # API key access off for the account: its users' keys stop working.
    assert client.call("listAccounts")["count"] == 1
    off = cloud.admin.call("updateAccount", id=acct["id"], apikeyaccess="Disabled")["account"]
    assert off["apikeyaccess"] == "Disabled"
    assert error_of(client.call, "listAccounts") == 401
    assert "ACCOUNT.UPDATE" in event_types(cloud)


def test_disable_lock_enable_account(cloud: Cloud) -> None:
    acct, client = account_client(cloud, "carol")
    disabled = cloud.admin.run("disableAccount", id=acct["id"], lock=False)["account"]
    assert disabled["state"] == "disabled"
    assert error_of(client.call, "listAccounts") == 401
    assert cloud.admin.call("enableAccount", id=acct["id"])["account"]["state"] == "enabled"
    assert client.call("listAccounts")["count"] == 1
    locked = cloud.admin.run(
        "disableAccount", account="carol", domainid=acct["domainid"], lock=True
    )
    assert locked["account"]["state"] == "locked"
    cloud.admin.call("enableAccount", account="carol", domainid=acct["domainid"])
    lock = cloud.admin.call("lockAccount", account="carol", domainid=acct["domainid"])
    assert lock["account"]["state"] == "locked"
    assert error_of(client.call, "listAccounts") == 401
    listed = cloud.admin.call("listAccounts", listall=True, state="locked")["account"]
    assert [a["name"] for a in listed] == ["carol"]
    admin_acct = cloud.admin.call("listAccounts")["account"][0]
    assert error_of(cloud.admin.call, "disableAccount", id=admin_acct["id"], lock=False) == 531
    assert {"ACCOUNT.DISABLE", "ACCOUNT.LOCK", "ACCOUNT.ENABLE"} <= set(event_types(cloud))


def test_delete_account_removes_users_and_keys(cloud: Cloud) -> None:
    acct, client = account_client(cloud, "erin")
    cloud.admin.call(
        "createUser",
        account="erin",
        username="erin2",
        password="p",
        email="e2@x",
        firstname="E",
        lastname="Two",
    )
    assert cloud.admin.run("deleteAccount", id=acct["id"]) == {"success": True}
    assert cloud.admin.call("listAccounts", listall=True, name="erin") == {}
    assert "erin2" not in {
        u["username"] for u in cloud.admin.call("listUsers", listall=True)["user"]
    }
    assert error_of(client.call, "listAccounts") == 401
    # The names are free again.
    again = make_account(cloud, "erin")
    assert again["id"] != acct["id"]
    assert "ACCOUNT.DELETE" in event_types(cloud)
    admin_acct = cloud.admin.call("listAccounts")["account"][0]
    assert error_of(cloud.admin.call, "deleteAccount", id=admin_acct["id"]) == 531


def test_list_accounts_filters_and_details(cloud: Cloud) -> None:
    sub = make_domain(cloud, "eng")
    deeper = make_domain(cloud, "web", sub["id"])
    make_account(cloud, "u1")
    make_account(cloud, "u2", domainid=sub["id"])
    make_account(cloud, "u3", domainid=deeper["id"], accounttype=2)
    call = cloud.admin.call
    assert [a["name"] for a in call("listAccounts")["account"]] == ["admin"]
    everyone = {a["name"] for a in call("listAccounts", listall=True)["account"]}
    assert {"admin", "u1", "u2", "u3"} <= everyone and "system" in everyone
    assert {a["name"] for a in call("listAccounts", domainid=sub["id"])["account"]} == {"u2"}
    recursive = call("listAccounts", domainid=sub["id"], isrecursive=True)["account"]
    assert {a["name"] for a in recursive} == {"u2", "u3"}
    assert [a["name"] for a in call("listAccounts", listall=True, accounttype=2)["account"]] == [
        "u3"
    ]
    assert [a["name"] for a in call("listAccounts", listall=True, name="u1")["account"]] == ["u1"]
    assert {a["name"] for a in call("listAccounts", listall=True, keyword="u")["account"]} == {
        "u1",
        "u2",
        "u3",
    }
    brief = call("listAccounts", listall=True, name="u1", details="min")["account"][0]
    assert "user" not in brief and "vmlimit" not in brief
    full = call("listAccounts", listall=True, name="u1")["account"][0]
    assert full["user"][0]["username"] == "u1" and full["domain"] == "ROOT"
    page = call("listAccounts", listall=True, page=1, pagesize=2)
    assert len(page["account"]) == 2 and page["count"] >= 5


def test_domain_cleanup_removes_accounts_users_and_projects(cloud: Cloud) -> None:
    doomed = make_domain(cloud, "doomed")
    acct, client = account_client(cloud, "tenant", domainid=doomed["id"])
    accepted = client.call("createProject", name="proj")
    assert client.wait_job(accepted["jobid"])["jobstatus"] == 1
    assert (
        cloud.admin.call("listDomains", listall=True, name="ROOT")["domain"][0]["projecttotal"] == 1
    )
    assert cloud.admin.run("deleteDomain", id=doomed["id"], cleanup=True) == {"success": True}
    assert cloud.admin.call("listAccounts", listall=True, name="tenant") == {}
    assert cloud.admin.call("listUsers", listall=True, username="tenant") == {}
    assert cloud.admin.call("listProjects", listall=True) == {}
    assert error_of(client.call, "listAccounts") == 401
    # Usage left with the accounts.
    assert (
        cloud.admin.call("listDomains", listall=True, name="ROOT")["domain"][0]["projecttotal"] == 0
    )
    assert acct["id"] not in {
        a["id"] for a in cloud.admin.call("listAccounts", listall=True)["account"]
    }
