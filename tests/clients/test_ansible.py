"""Ansible's cloudstack modules (ngine_io.cloudstack) against a real server."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.clients.ansible_runner import run_tasks
from tests.clients.conftest import LiveServer


# The module resolves a parent path "ROOT" as "ROOT/ROOT" (as against CloudStack
# itself), so top-level domains are given without the optional ROOT/ prefix.
def test_domains_are_created_idempotently(live: LiveServer, tmp_path: Path) -> None:
    top = f"ans-{uuid.uuid4().hex[:6]}"
    tasks = [
        {"name": "top", "ngine_io.cloudstack.cs_domain": {"path": top}},
        {
            "name": "child",
            "ngine_io.cloudstack.cs_domain": {
                "path": f"{top}/team",
                "network_domain": "team.example",
            },
        },
        {
            "name": "again",
            "ngine_io.cloudstack.cs_domain": {
                "path": f"{top}/team",
                "network_domain": "team.example",
            },
        },
    ]
    out = run_tasks(live, tmp_path, tasks)
    assert out["top"]["changed"] and out["child"]["changed"]
    assert out["child"]["path"] == f"ROOT/{top}/team"
    assert out["child"]["network_domain"] == "team.example"
    assert not out["again"]["changed"]
    cleanup = [
        {
            "name": "gone",
            "ngine_io.cloudstack.cs_domain": {"path": top, "state": "absent", "clean_up": True},
        }
    ]
    assert run_tasks(live, tmp_path, cleanup)["gone"]["changed"]


def test_identity_and_settings_through_ansible(live: LiveServer, tmp_path: Path) -> None:
    dom = f"org-{uuid.uuid4().hex[:6]}"
    mod = "ngine_io.cloudstack."
    tasks = [
        {"name": "domain", mod + "cs_domain": {"path": dom}},
        {
            "name": "role",
            mod + "cs_role": {
                "name": f"{dom}-operator",
                "role_type": "User",
                "description": "operators",
            },
        },
        {
            "name": "deny",
            mod + "cs_role_permission": {
                "role": f"{dom}-operator",
                "name": "deleteUser",
                "permission": "deny",
            },
        },
        {
            "name": "account",
            mod + "cs_account": {
                "name": "acme",
                "domain": dom,
                "username": "alice",
                "password": "S3cret!pw",
                "first_name": "Alice",
                "last_name": "Liddell",
                "email": "alice@example.com",
                "account_type": "domain_admin",
            },
        },
        {
            "name": "user",
            mod + "cs_user": {
                "username": "bob",
                "account": "acme",
                "domain": dom,
                "password": "Pw-bob-123",
                "first_name": "Bob",
                "last_name": "Builder",
                "email": "bob@example.com",
                "keys_registered": True,
            },
        },
        {
            "name": "user again",
            mod + "cs_user": {
                "username": "bob",
                "account": "acme",
                "domain": dom,
                "password": "Pw-bob-123",
                "first_name": "Bob",
                "last_name": "Builder",
                "email": "bob@example.com",
            },
        },
        {"name": "setting", mod + "cs_configuration": {"name": "expunge.delay", "value": "120"}},
        {
            "name": "account setting",
            mod + "cs_configuration": {
                "name": "allow.user.expunge.recover.vm",
                "value": True,
                "account": "acme",
                "domain": dom,
            },
        },
        {
            "name": "project",
            mod + "cs_project": {
                "name": f"{dom}-proj",
                "display_text": "Project X",
                "domain": dom,
                "account": "acme",
            },
        },
        {
            "name": "limit",
            mod + "cs_resourcelimit": {
                "resource_type": "instance",
                "limit": 7,
                "domain": dom,
                "account": "acme",
            },
        },
        {
            "name": "disable",
            mod + "cs_user": {
                "username": "bob",
                "account": "acme",
                "domain": dom,
                "state": "disabled",
            },
        },
    ]
    out = run_tasks(live, tmp_path, tasks)
    assert out["account"]["account_type"] == "domain_admin"
    assert out["user"]["user_api_key"] and out["user"]["user_api_secret"]
    assert not out["user again"]["changed"]
    assert out["setting"]["value"] == "120"
    assert out["account setting"]["value"] == "true"
    assert out["limit"]["limit"] == 7
    assert out["disable"]["state"] == "disabled"

    from cs import CloudStack

    cs = CloudStack(endpoint=live.url, key=live.apikey, secret=live.secretkey)
    domain = cs.listDomains(listall=True, name=dom)["domain"][0]
    accounts = cs.listAccounts(domainid=domain["id"], listall=True)["account"]
    assert [a["name"] for a in accounts] == ["acme"]
    users = {u["username"]: u for u in cs.listUsers(domainid=domain["id"], listall=True)["user"]}
    assert set(users) == {"alice", "bob"} and users["bob"]["state"] == "disabled"
    roles = cs.listRoles(name=f"{dom}-operator")["role"]
    perms = cs.listRolePermissions(roleid=roles[0]["id"])["rolepermission"]
    assert [(p["rule"], p["permission"]) for p in perms] == [("deleteUser", "deny")]
    projects = cs.listProjects(listall=True, name=f"{dom}-proj")["project"]
    assert projects[0]["displaytext"] == "Project X"
    assert cs.listConfigurations(name="expunge.delay")["configuration"][0]["value"] == "120"

    cleanup = [
        {"name": "gone", mod + "cs_domain": {"path": dom, "state": "absent", "clean_up": True}}
    ]
    assert run_tasks(live, tmp_path, cleanup)["gone"]["changed"]
