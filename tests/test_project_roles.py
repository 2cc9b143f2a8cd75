"""Project roles: per-project allow/deny rules on top of the member's account role."""

from __future__ import annotations

from typing import Any

from tests.identity import account_client, error_of, event_types
from tests.support.client import ApiClient
from tests.support.cloud import Cloud
from tests.test_projects import create_project


def _role(client: ApiClient, pid: str, name: str) -> dict[str, Any]:
    return client.call("createProjectRole", projectid=pid, name=name)["projectrole"]  # type: ignore[no-any-return]


def _rule(client: ApiClient, pid: str, role: str, rule: str, permission: str) -> str:
    body = client.call(
        "createProjectRolePermission",
        projectid=pid,
        projectroleid=role,
        rule=rule,
        permission=permission,
    )
    return body["projectrolepermission"]["id"]  # type: ignore[no-any-return]


def _members(client: ApiClient, pid: str, **filters: Any) -> dict[str, str | None]:
    body = client.call("listProjectAccounts", projectid=pid, **filters)
    return {m["account"]: m.get("projectroleid") for m in body.get("projectaccount", [])}


def test_project_role_rules_narrow_a_member(cloud: Cloud) -> None:
    _a, lead = account_client(cloud, "pr-lead")
    _b, dev = account_client(cloud, "pr-dev")
    pid = create_project(lead, "pr-proj")["id"]
    other_pid = create_project(lead, "pr-other")["id"]
    viewer = _role(lead, pid, "viewer")
    assert viewer["name"] == "viewer" and viewer["projectid"] == pid
    deny_volumes = _rule(lead, pid, viewer["id"], "listVolumes", "deny")
    allow_lists = _rule(lead, pid, viewer["id"], "list*", "allow")
    rules = lead.call("listProjectRolePermissions", projectid=pid, projectroleid=viewer["id"])
    assert [(r["rule"], r["permission"]) for r in rules["projectrolepermission"]] == [
        ("listVolumes", "deny"),
        ("list*", "allow"),
    ]
    # A role of another project is no role for this one.
    foreign = _role(lead, other_pid, "foreign")
    assert (
        error_of(
            lead.run,
            "addAccountToProject",
            projectid=pid,
            account="pr-dev",
            projectroleid=foreign["id"],
        )
        == 431
    )
    lead.run("addAccountToProject", projectid=pid, account="pr-dev", projectroleid=viewer["id"])
    assert _members(lead, pid) == {"pr-lead": None, "pr-dev": viewer["id"]}
    assert _members(lead, pid, projectroleid=viewer["id"]) == {"pr-dev": viewer["id"]}

    # Denied in the project by the project role; the account role alone still allows it.
    assert error_of(dev.call, "listVolumes", projectid=pid) == 432
    dev.call("listVolumes")
    dev.call("listNetworks", projectid=pid)  # list* allows
    lead.call("listVolumes", projectid=pid)  # project admins are not narrowed
    cloud.admin.call("listVolumes", projectid=pid)

    # Allowed after the rule is updated ...
    lead.call(
        "updateProjectRolePermission",
        projectid=pid,
        projectroleid=viewer["id"],
        projectrolepermissionid=deny_volumes,
        permission="allow",
    )
    dev.call("listVolumes", projectid=pid)
    # ... and denied again by a wildcard rule moved in front of it.
    deny_all = _rule(lead, pid, viewer["id"], "*Volume*", "deny")
    lead.call(
        "updateProjectRolePermission",
        projectid=pid,
        projectroleid=viewer["id"],
        ruleorder=",".join([deny_all, deny_volumes, allow_lists]),
    )
    assert error_of(dev.call, "listVolumes", projectid=pid) == 432
    lead.call("deleteProjectRolePermission", projectid=pid, id=deny_all)
    dev.call("listVolumes", projectid=pid)

    # Regular members see the roles but may not manage them.
    assert [r["name"] for r in dev.call("listProjectRoles", projectid=pid)["projectrole"]] == [
        "viewer"
    ]
    assert error_of(dev.call, "createProjectRole", projectid=pid, name="mine") == 531
    assert error_of(_rule, dev, pid, viewer["id"], "deploy*", "allow") == 531
    assert error_of(dev.call, "deleteProjectRole", projectid=pid, id=viewer["id"]) == 531
    assert error_of(lead.call, "createProjectRole", projectid=pid, name="viewer") == 431

    # A role in use stays; once nobody holds it, it goes.
    assert error_of(lead.call, "deleteProjectRole", projectid=pid, id=viewer["id"]) == 536
    renamed = lead.call(
        "updateProjectRole", projectid=pid, id=viewer["id"], name="reader", description="r/o"
    )["projectrole"]
    assert (renamed["name"], renamed["description"]) == ("reader", "r/o")
    lead.run("deleteAccountFromProject", projectid=pid, account="pr-dev")
    lead.call("deleteProjectRole", projectid=pid, id=viewer["id"])
    assert lead.call("listProjectRoles", projectid=pid) == {}
    assert lead.call("listProjectRolePermissions", projectid=pid) == {}
    kinds = set(event_types(cloud))
    assert {"PROJECT.ROLE.CREATE", "PROJECT.ROLE.DELETE", "PROJECT.ROLE.PERMISSION.UPDATE"} <= kinds


def _set(cloud: Cloud, name: str, value: str) -> None:
    cloud.admin.call("updateConfiguration", name=name, value=value)


def test_project_role_of_a_user_and_of_an_invitation(cloud: Cloud) -> None:
    _a, lead = account_client(cloud, "pu-lead")
    _g, guest = account_client(cloud, "pu-guest")
    pid = create_project(lead, "pu-proj")["id"]
    role = _role(lead, pid, "no-networks")
    _rule(lead, pid, role["id"], "listNetworks", "deny")
    lead.run("addUserToProject", projectid=pid, username="pu-guest", projectroleid=role["id"])
    assert error_of(guest.call, "listNetworks", projectid=pid) == 432
    guest.call("listVolumes", projectid=pid)  # no rule matches: the account role decides
    _set(cloud, "project.invite.required", "true")
    try:
        _c, invitee = account_client(cloud, "pu-invitee")
        lead.run(
            "addAccountToProject", projectid=pid, account="pu-invitee", projectroleid=role["id"]
        )
        assert error_of(lead.call, "deleteProjectRole", projectid=pid, id=role["id"]) == 536
        invitee.run("updateProjectInvitation", projectid=pid)
    finally:
        _set(cloud, "project.invite.required", "false")
    assert _members(lead, pid)["pu-invitee"] == role["id"]
    assert error_of(invitee.call, "listNetworks", projectid=pid) == 432
