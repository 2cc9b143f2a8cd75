"""Projects: async create, membership, state, deletion, and projectid list scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.declaration import Command
from cumulo.api.params import BOOLEAN, STRING, UUID, Param
from cumulo.api.scope import list_scope
from cumulo.db.models.account import Account
from cumulo.errors import PermissionDenied
from cumulo.services.callers import find_by_api_key
from tests.identity import account_client, error_of, event_types, make_account
from tests.support.client import ApiClient
from tests.support.cloud import Cloud


def create_project(client: ApiClient, name: str, **params: object) -> dict:
    accepted = client.call("createProject", name=name, **params)
    assert accepted["id"] and accepted["jobid"]  # AC: both answered at once
    job = client.wait_job(accepted["jobid"])
    assert job["jobstatus"] == 1, job
    project = job["jobresult"]["project"]
    assert project["id"] == accepted["id"]
    return project


def test_create_project_and_its_account(cloud: Cloud) -> None:
    _acct, owner = account_client(cloud, "owner")
    project = create_project(owner, "apollo", displaytext="Moon")
    assert project["name"] == "apollo" and project["displaytext"] == "Moon"
    assert project["owner"] == "owner" and project["state"] == "Active"
    assert project["domain"] == "ROOT" and project["vmlimit"] == "20"
    assert project["projectaccountname"].startswith("PrjAcct-apollo-")
    # The project account is type 5 and not an ordinary account.
    all_accounts = cloud.admin.call("listAccounts", listall=True)["account"]
    assert project["projectaccountname"] not in {a["name"] for a in all_accounts}
    kind = cloud.rt.db.run(
        lambda s: s.execute(
            select(Account.type).where(Account.name == project["projectaccountname"])
        ).scalar_one(),
        write=False,
    )
    assert kind == 5
    assert [p["name"] for p in owner.call("listProjects")["project"]] == ["apollo"]
    members = owner.call("listProjectAccounts", projectid=project["id"])["projectaccount"]
    assert [(m["account"], m["role"]) for m in members] == [("owner", "Admin")]
    me = owner.call("listAccounts")["account"][0]
    assert me["projecttotal"] == 1
    # Admins create projects for others.
    other = make_account(cloud, "other")
    for_other = create_project(cloud.admin, "gemini", account="other", domainid=other["domainid"])
    assert for_other["owner"] == "other"
    assert error_of(create_project, owner, "apollo") == 431  # name taken in the domain
    assert "PROJECT.CREATE" in event_types(cloud)


def test_membership_and_who_may_manage(cloud: Cloud) -> None:
    _a, owner = account_client(cloud, "lead")
    _b, member = account_client(cloud, "dev")
    _c, outsider = account_client(cloud, "stranger")
    project = create_project(owner, "mercury")
    pid = project["id"]
    assert outsider.call("listProjects") == {}
    assert error_of(outsider.call, "listProjects", id=pid) == 531
    assert error_of(outsider.call, "listProjectAccounts", projectid=pid) == 531
    assert error_of(outsider.call, "addAccountToProject", projectid=pid, account="stranger") == 531
    owner.run("addAccountToProject", projectid=pid, account="dev")
    assert [p["id"] for p in member.call("listProjects")["project"]] == [pid]
    roles = {
        m["account"]: m["role"]
        for m in member.call("listProjectAccounts", projectid=pid)["projectaccount"]
    }
    assert roles == {"lead": "Admin", "dev": "Regular"}
    # A regular member may look but not manage.
    assert error_of(member.call, "suspendProject", id=pid) == 531
    assert error_of(member.call, "deleteProject", id=pid) == 531
    assert error_of(owner.run, "deleteAccountFromProject", projectid=pid, account="lead") == 431
    owner.run("deleteAccountFromProject", projectid=pid, account="dev")
    assert member.call("listProjects") == {}
    assert error_of(owner.call, "deleteAccountFromProject", projectid=pid, account="dev") == 431
    assert {"PROJECT.ACCOUNT.ADD", "PROJECT.ACCOUNT.REMOVE"} <= set(event_types(cloud))


def test_update_suspend_activate_delete(cloud: Cloud) -> None:
    _a, owner = account_client(cloud, "boss")
    make_account(cloud, "heir")
    project = create_project(owner, "venus")
    pid = project["id"]
    updated = owner.run("updateProject", id=pid, displaytext="Morning star", name="venus2")
    assert updated["project"]["displaytext"] == "Morning star"
    assert updated["project"]["name"] == "venus2"
    boss = owner.call("listAccounts")["account"][0]
    # The only admin of a project cannot be deleted out from under it.
    assert error_of(cloud.admin.call, "deleteAccount", id=boss["id"]) == 431
    assert owner.run("suspendProject", id=pid)["project"]["state"] == "Suspended"
    assert owner.call("listProjects", state="Suspended")["count"] == 1
    assert owner.run("activateProject", id=pid)["project"]["state"] == "Active"
    assert error_of(owner.run, "activateProject", id=pid) == 431
    # Ownership moves only to a member (CloudStack: add it to the project first).
    assert error_of(cloud.admin.call, "updateProject", id=pid, account="heir") == 431
    cloud.admin.run("addAccountToProject", projectid=pid, account="heir")
    handed = cloud.admin.run("updateProject", id=pid, account="heir")["project"]
    assert handed["owner"] == "heir"
    # The project now counts against its new owner.
    assert owner.call("listAccounts")["account"][0]["projecttotal"] == 0
    heir = cloud.admin.call("listAccounts", listall=True, name="heir")["account"][0]
    assert heir["projecttotal"] == 1

    def roles() -> dict[str, str]:
        rows = cloud.admin.call("listProjectAccounts", projectid=pid)["projectaccount"]
        return {r["account"]: r["role"] for r in rows}

    assert roles() == {"boss": "Regular", "heir": "Admin"}
    admin = cloud.admin
    admin.run("updateProject", id=pid, account="boss", roletype="Admin", swapowner=False)
    assert roles() == {"boss": "Admin", "heir": "Admin"}
    admin.run("updateProject", id=pid, userid=heir["user"][0]["id"], roletype="Regular")
    assert roles() == {"boss": "Admin", "heir": "Regular"}
    last = admin.run
    assert error_of(last, "updateProject", id=pid, account="boss", roletype="Regular") == 431
    assert error_of(admin.call, "updateProject", id=pid, roletype="Regular") == 431
    assert cloud.admin.run("deleteProject", id=pid) == {"success": True}
    assert cloud.admin.call("listProjects", listall=True) == {}
    heir = cloud.admin.call("listAccounts", listall=True, name="heir")["account"][0]
    assert heir["projecttotal"] == 0
    assert {"PROJECT.SUSPEND", "PROJECT.ACTIVATE", "PROJECT.DELETE"} <= set(event_types(cloud))


def test_project_limit_is_enforced(cloud: Cloud) -> None:
    acct, owner = account_client(cloud, "limited")
    cloud.admin.call(
        "updateResourceLimit", resourcetype=5, max=1, account="limited", domainid=acct["domainid"]
    )
    create_project(owner, "one")
    assert error_of(owner.call, "createProject", name="two") == 532
    assert owner.call("listProjects")["count"] == 1  # nothing half-written
    assert (
        cloud.admin.call("listAccounts", listall=True, name="limited")["account"][0]["projecttotal"]
        == 1
    )


def _visible_accounts(cloud: Cloud, client: ApiClient, **values: object) -> set[str]:
    """Which accounts' resources a list command with list_scope would show."""
    cmd = Command(
        name="listThings",
        handler=lambda call, args: None,  # type: ignore[arg-type,return-value]
        params=(
            Param("projectid", UUID, entity="Project"),
            Param("listall", BOOLEAN),
            Param("account", STRING),
        ),
    )

    def work(session):  # type: ignore[no-untyped-def]
        found = find_by_api_key(session, client.apikey)
        assert found is not None
        args = Args(cmd, dict(values))
        args.resolve(session)
        scope = list_scope(session, found[0], args)
        from cumulo.db.models.domain import Domain

        stmt = (
            select(Account.name)
            .join(Domain, Domain.id == Account.domain_id)
            .where(scope.where(Account.id, Account.domain_id, Domain.path))
        )
        return {n for (n,) in session.execute(stmt)}

    return cloud.rt.db.run(work, write=False)


def test_projectid_list_scope(cloud: Cloud) -> None:
    _a, alice = account_client(cloud, "alice")
    _b, bob = account_client(cloud, "bob")
    mine = create_project(alice, "mine")
    theirs = create_project(bob, "theirs")
    mine_acct, theirs_acct = mine["projectaccountname"], theirs["projectaccountname"]
    assert _visible_accounts(cloud, alice) == {"alice"}  # no project resources by default
    assert _visible_accounts(cloud, alice, projectid=mine["id"]) == {mine_acct}
    assert _visible_accounts(cloud, alice, projectid="-1") == {mine_acct}
    assert _visible_accounts(cloud, alice, projectid="-1", listall="true") == {mine_acct, "alice"}
    with pytest.raises(PermissionDenied):
        _visible_accounts(cloud, alice, projectid=theirs["id"])
    admin_all = _visible_accounts(cloud, cloud.admin, projectid="-1", listall="true")
    assert {mine_acct, theirs_acct, "alice", "bob", "admin"} <= admin_all
    assert theirs_acct not in _visible_accounts(cloud, cloud.admin, listall="true")
    assert _visible_accounts(cloud, cloud.admin, projectid=theirs["id"]) == {theirs_acct}
