"""Roles and role permissions, and that rules really decide what a caller may call."""

from __future__ import annotations

from tests.identity import account_client, error_of, event_types, make_account
from tests.support.cloud import Cloud


def rules(cloud: Cloud, role_id: str) -> list[tuple[str, str]]:
    body = cloud.admin.call("listRolePermissions", roleid=role_id)
    return [(p["rule"], p["permission"]) for p in body.get("rolepermission", [])]


def test_builtin_roles_and_visibility(cloud: Cloud) -> None:
    listed = cloud.admin.call("listRoles")["role"]
    builtin = {r["name"]: r for r in listed if r["isdefault"]}
    assert {r["type"] for r in builtin.values()} == {
        "Admin",
        "ResourceAdmin",
        "DomainAdmin",
        "User",
    }
    assert all(r["state"] == "Enabled" and r["ispublic"] for r in builtin.values())
    users_role = cloud.admin.call("listRoles", type="User")["role"]
    assert [r["name"] for r in users_role] == ["User"]
    _acct, dadmin = account_client(cloud, "da", accounttype=2)
    seen = {r["type"] for r in dadmin.call("listRoles")["role"]}
    assert seen == {"DomainAdmin", "User"}  # never a more privileged role
    _acct, user = account_client(cloud, "plain")
    assert error_of(user.call, "listRoles") == 432


def test_create_clone_update_delete_role(cloud: Cloud) -> None:
    call = cloud.admin.call
    base = call("createRole", name="Operator", type="User", description="ops")["role"]
    assert base["type"] == "User" and not base["isdefault"] and base["description"] == "ops"
    call("createRolePermission", roleid=base["id"], rule="list*", permission="allow")
    call("createRolePermission", roleid=base["id"], rule="deleteUser", permission="deny")
    clone = call("createRole", name="Operator2", roleid=base["id"])["role"]
    assert clone["type"] == "User"
    assert rules(cloud, clone["id"]) == [("list*", "allow"), ("deleteUser", "deny")]
    assert error_of(call, "createRole", name="Operator", type="User") == 431  # name taken
    assert error_of(call, "createRole", name="X", type="Boss") == 431
    assert error_of(call, "createRole", name="Y") == 431  # neither type nor roleid
    updated = call(
        "updateRole", id=clone["id"], name="Operator-2", type="DomainAdmin", ispublic=False
    )
    assert updated["role"]["name"] == "Operator-2" and updated["role"]["type"] == "DomainAdmin"
    assert updated["role"]["ispublic"] is False
    builtin_user = call("listRoles", name="User")["role"][0]
    assert error_of(call, "updateRole", id=builtin_user["id"], name="Renamed") == 531
    assert error_of(call, "deleteRole", id=builtin_user["id"]) == 531
    make_account(cloud, "opsuser", roleid=base["id"])
    assert error_of(call, "updateRole", id=base["id"], type="DomainAdmin") == 536
    assert error_of(call, "deleteRole", id=base["id"]) == 536  # in use
    assert call("deleteRole", id=clone["id"]) == {"success": True}
    assert call("listRoles", id=base["id"])["count"] == 1
    assert call("listRoles", name="Operator-2") == {}
    assert {"ROLE.CREATE", "ROLE.UPDATE", "ROLE.DELETE"} <= set(event_types(cloud))


def test_role_permissions_crud_and_order(cloud: Cloud) -> None:
    call = cloud.admin.call
    role = call("createRole", name="Ordered", type="User")["role"]
    ids = []
    for rule, perm in (("listAccounts", "allow"), ("list*", "deny"), ("*", "allow")):
        made = call("createRolePermission", roleid=role["id"], rule=rule, permission=perm)
        assert made["rolepermission"]["rolename"] == "Ordered"
        ids.append(made["rolepermission"]["id"])
    assert rules(cloud, role["id"]) == [
        ("listAccounts", "allow"),
        ("list*", "deny"),
        ("*", "allow"),
    ]
    call("updateRolePermission", roleid=role["id"], ruleorder=",".join(reversed(ids)))
    assert [r for r, _ in rules(cloud, role["id"])] == ["*", "list*", "listAccounts"]
    call("updateRolePermission", roleid=role["id"], ruleid=ids[0], permission="deny")
    assert ("listAccounts", "deny") in rules(cloud, role["id"])
    assert call("deleteRolePermission", id=ids[2]) == {"success": True}
    assert [r for r, _ in rules(cloud, role["id"])] == ["list*", "listAccounts"]
    bad = dict(roleid=role["id"])
    assert (
        error_of(call, "createRolePermission", rule="listAccounts", permission="maybe", **bad)
        == 431
    )
    assert (
        error_of(call, "createRolePermission", rule="noSuchApi", permission="allow", **bad) == 431
    )
    assert error_of(call, "createRolePermission", rule="list*", permission="allow", **bad) == 431
    assert error_of(call, "updateRolePermission", ruleorder=ids[0], **bad) == 431  # incomplete
    assert error_of(call, "updateRolePermission", **bad) == 431
    everything = call("listRolePermissions")["rolepermission"]
    assert {p["roleid"] for p in everything} == {role["id"]}


def test_rules_decide_what_a_caller_may_call(cloud: Cloud) -> None:
    call = cloud.admin.call
    role = call("createRole", name="Restricted", type="User")["role"]
    _acct, user = account_client(cloud, "ruled", roleid=role["id"])
    # No rules: the declarations' defaults (users may list accounts, not users).
    assert user.call("listAccounts")["count"] == 1
    assert error_of(user.call, "listUsers") == 432
    deny = call("createRolePermission", roleid=role["id"], rule="listAccounts", permission="deny")
    assert error_of(user.call, "listAccounts") == 432
    allow = call("createRolePermission", roleid=role["id"], rule="listUsers", permission="allow")
    assert [u["username"] for u in user.call("listUsers")["user"]] == ["ruled"]
    # First match wins: allow list* after deny listAccounts does not open it ...
    wildcard = call("createRolePermission", roleid=role["id"], rule="list*", permission="allow")
    assert error_of(user.call, "listAccounts") == 432
    # ... until the wildcard is moved in front.
    order = [wildcard["rolepermission"]["id"], deny["rolepermission"]["id"]]
    order.append(allow["rolepermission"]["id"])
    call("updateRolePermission", roleid=role["id"], ruleorder=",".join(order))
    assert user.call("listAccounts")["count"] == 1
    # The discovery API follows the rules too.
    apis = {a["name"] for a in user.call("listApis")["api"]}
    assert "listUsers" in apis and "createAccount" not in apis


def test_import_role(cloud: Cloud) -> None:
    call = cloud.admin.call
    params = {
        "rules[0].rule": "listAccounts",
        "rules[0].permission": "allow",
        "rules[0].description": "see itself",
        "rules[1].rule": "*",
        "rules[1].permission": "deny",
    }
    role = call("importRole", name="Imported", type="User", description="from file", **params)
    assert role["role"]["type"] == "User" and role["role"]["description"] == "from file"
    assert rules(cloud, role["role"]["id"]) == [("listAccounts", "allow"), ("*", "deny")]
    again = {"rules[0].rule": "listUsers", "rules[0].permission": "allow"}
    assert error_of(call, "importRole", name="Imported", type="User", **again) == 431
    forced = call("importRole", name="Imported", type="User", forced=True, **again)["role"]
    assert forced["id"] == role["role"]["id"]
    assert rules(cloud, forced["id"]) == [("listUsers", "allow")]
    assert error_of(call, "importRole", name="Root Admin", forced=True, **again) == 531
    broken = {"rules[0].rule": "listUsers"}
    assert error_of(call, "importRole", name="Broken", type="User", **broken) == 431
    assert call("listRoles", name="Broken") == {}
    _acct, user = account_client(cloud, "imp", roleid=forced["id"])
    assert user.call("listUsers")["count"] == 1
    assert "ROLE.IMPORT" in event_types(cloud)
