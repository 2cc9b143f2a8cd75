"""Single users as project members (4.15+) and project invitations."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import select

from cumulo.db.models.project import ProjectInvitation
from cumulo.services import project_invitations
from tests.identity import account_client, act_as, error_of, event_types
from tests.support.client import ApiClient
from tests.support.cloud import Cloud
from tests.support.smtp_sink import smtp_sink
from tests.test_projects import create_project


def _second_user(cloud: Cloud, account: dict[str, Any], name: str) -> tuple[dict, ApiClient]:
    user = cloud.admin.call(
        "createUser",
        account=account["name"],
        domainid=account["domainid"],
        username=name,
        password="pw-" + name,
        email=f"{name}@example.org",
        firstname=name,
        lastname="Second",
    )["user"]
    return user, act_as(cloud, user["id"])


def _members(client: ApiClient, pid: str) -> set[tuple[str, str | None, str]]:
    rows = client.call("listProjectAccounts", projectid=pid).get("projectaccount", [])
    return {(m["account"], m.get("username"), m["role"]) for m in rows}


def _set(cloud: Cloud, name: str, value: str) -> None:
    cloud.admin.call("updateConfiguration", name=name, value=value)


def test_users_join_and_leave_projects_on_their_own(cloud: Cloud) -> None:
    _lead_acct, lead = account_client(cloud, "ul-lead")
    team, first = account_client(cloud, "ul-team")
    second_user, second = _second_user(cloud, team, "ul-team-2")
    pid = create_project(lead, "ul-proj")["id"]
    lead.run("addUserToProject", projectid=pid, username="ul-team-2")
    assert _members(lead, pid) == {("ul-lead", None, "Admin"), ("ul-team", "ul-team-2", "Regular")}
    (row,) = [
        m
        for m in lead.call("listProjectAccounts", projectid=pid)["projectaccount"]
        if m.get("username")
    ]
    assert row["userid"] == second_user["id"] and row["accountid"] == team["id"]
    # Only that user is a member, not the other user of its account.
    assert [p["id"] for p in second.call("listProjects")["project"]] == [pid]
    assert first.call("listProjects") == {}
    assert error_of(first.call, "listProjectAccounts", projectid=pid) == 531
    # A Regular user member may look but not manage.
    assert error_of(second.call, "addUserToProject", projectid=pid, username="ul-team") == 531
    # Bad input: unknown user, twice, bad role, not a member.
    assert error_of(lead.call, "addUserToProject", projectid=pid, username="nobody") == 431
    assert error_of(lead.call, "addUserToProject", projectid=pid, username="ul-team-2") == 431
    bad_role = error_of(
        lead.call, "addUserToProject", projectid=pid, username="ul-team", roletype="Boss"
    )
    assert bad_role == 431
    first_id = team["user"][0]["id"]
    assert error_of(lead.call, "deleteUserFromProject", projectid=pid, userid=first_id) == 431
    # An Admin user member manages the project.
    lead.run("addUserToProject", projectid=pid, username="ul-team", roletype="admin")
    first.run("deleteUserFromProject", projectid=pid, userid=second_user["id"])
    assert second.call("listProjects") == {}
    assert _members(first, pid) == {("ul-lead", None, "Admin"), ("ul-team", "ul-team", "Admin")}
    types = set(event_types(cloud))
    assert {"PROJECT.USER.ADD", "PROJECT.USER.REMOVE"} <= types
    # A user who is a project's last admin neither goes nor moves; another user does,
    # and its membership with it.
    lead.run("updateProject", id=pid, account="ul-lead", roletype="Regular")
    assert error_of(cloud.admin.call, "deleteUser", id=first_id) == 431
    api_move = {"id": first_id, "account": "ul-lead"}
    assert error_of(cloud.admin.call, "moveUser", **api_move) == 431
    first.run("addUserToProject", projectid=pid, username="ul-team-2")
    # updateProject userid= changes a user's own role; Admin swaps ownership by default.
    first.run("updateProject", id=pid, userid=second_user["id"], roletype="Admin")
    assert _members(second, pid) == {
        ("ul-lead", None, "Regular"),
        ("ul-team", "ul-team", "Regular"),
        ("ul-team", "ul-team-2", "Admin"),
    }
    assert error_of(cloud.admin.call, "deleteUser", id=second_user["id"]) == 431
    second.run("updateProject", id=pid, userid=first_id, roletype="Admin", swapowner=False)
    cloud.admin.call("deleteUser", id=second_user["id"])
    assert _members(first, pid) == {("ul-lead", None, "Regular"), ("ul-team", "ul-team", "Admin")}


@pytest.mark.backends("sqlite", "mariadb")  # pending_key uniqueness, timestamps
def test_invitations_when_required(cloud: Cloud) -> None:
    _set(cloud, "project.invite.required", "true")
    try:
        _invitation_flow(cloud)
    finally:
        _set(cloud, "project.invite.required", "false")


def _invitation_flow(cloud: Cloud) -> None:
    assert cloud.admin.call("listCapabilities")["capability"]["projectinviterequired"] is True
    _a, lead = account_client(cloud, "iv-lead")
    guest_acct, guest = account_client(cloud, "iv-guest")
    _o, outsider = account_client(cloud, "iv-out")
    pid = create_project(lead, "iv-proj")["id"]
    lead.run("addAccountToProject", projectid=pid, account="iv-guest", roletype="Admin")
    # Invited, not a member yet.
    assert guest.call("listProjects") == {}
    (inv,) = guest.call("listProjectInvitations")["projectinvitation"]
    assert (inv["account"], inv["state"], inv["projectid"]) == ("iv-guest", "Pending", pid)
    assert lead.call("listProjectInvitations", projectid=pid)["count"] == 1
    assert guest.call("listProjectInvitations", projectid=pid)["count"] == 1
    assert error_of(outsider.call, "listProjectInvitations", projectid=pid) == 531
    assert outsider.call("listProjectInvitations") == {}
    # Inviting again keeps the one pending invitation.
    lead.run("addAccountToProject", projectid=pid, account="iv-guest")
    assert lead.call("listProjectInvitations", projectid=pid)["count"] == 1
    # Nobody answers for someone else; nothing to answer for an outsider.
    guest_user = guest_acct["user"][0]["id"]
    assert error_of(outsider.call, "updateProjectInvitation", projectid=pid, userid=guest_user) in (
        531,
    )
    assert error_of(outsider.call, "updateProjectInvitation", projectid=pid) == 431
    assert error_of(guest.call, "deleteProjectInvitation", id=inv["id"]) == 531
    guest.run("updateProjectInvitation", projectid=pid)
    assert _members(lead, pid) == {("iv-lead", None, "Admin"), ("iv-guest", None, "Admin")}
    done = lead.call("listProjectInvitations", projectid=pid, state="Completed")
    assert [i["id"] for i in done["projectinvitation"]] == [inv["id"]]
    assert lead.call("listProjectInvitations", projectid=pid, activeonly=True) == {}
    assert error_of(guest.call, "updateProjectInvitation", projectid=pid) == 431  # answered
    # A user invitation is for that user only; declining leaves the project as it was.
    _u, other_user = _second_user(cloud, guest_acct, "iv-guest-2")
    _o2, outsider_acct = account_client(cloud, "iv-out2")
    lead.run("addUserToProject", projectid=pid, username="iv-out2")
    assert error_of(outsider.call, "updateProjectInvitation", projectid=pid) == 431
    outsider_acct.run("updateProjectInvitation", projectid=pid, accept=False)
    assert ("iv-out2", "iv-out2", "Regular") not in _members(lead, pid)
    declined = lead.call("listProjectInvitations", projectid=pid, state="Declined")
    assert declined["count"] == 1
    # Project admins delete pending invitations.
    lead.run("addUserToProject", projectid=pid, username="iv-out")
    pending = lead.call("listProjectInvitations", projectid=pid, state="Pending")
    (pending_inv,) = pending["projectinvitation"]
    lead.run("deleteProjectInvitation", id=pending_inv["id"])
    assert error_of(outsider.call, "updateProjectInvitation", projectid=pid) == 431
    assert error_of(lead.call, "listProjectInvitations", projectid=pid, state="Lost") == 431
    # Each sees the invitations of its account and its own user, nobody else's.
    assert outsider.call("listProjectInvitations") == {}
    seen = other_user.call("listProjectInvitations")["projectinvitation"]
    assert [(i["account"], i.get("userid"), i["state"]) for i in seen] == [
        ("iv-guest", None, "Completed")
    ]
    types = set(event_types(cloud))
    assert {"PROJECT.INVITATION.CREATE", "PROJECT.INVITATION.UPDATE"} <= types
    assert "PROJECT.INVITATION.REMOVE" in types


def test_invitations_expire(cloud: Cloud) -> None:
    _set(cloud, "project.invite.required", "true")
    _set(cloud, "project.invite.timeout", "1")
    try:
        _a, lead = account_client(cloud, "ex-lead")
        _g, guest = account_client(cloud, "ex-guest")
        pid = create_project(lead, "ex-proj")["id"]
        lead.run("addAccountToProject", projectid=pid, account="ex-guest")
        time.sleep(2.1)
        (inv,) = guest.call("listProjectInvitations")["projectinvitation"]
        assert inv["state"] == "Expired"  # shown at once, stored by the sweep
        assert guest.call("listProjectInvitations", activeonly=True) == {}
        assert error_of(guest.call, "updateProjectInvitation", projectid=pid) == 431
        stored = cloud.rt.db.run(lambda s: project_invitations.expire_due(s, cloud.rt.config))
        assert stored >= 1
        state = cloud.rt.db.run(
            lambda s: s.execute(
                select(ProjectInvitation.state).where(ProjectInvitation.uuid == inv["id"])
            ).scalar_one(),
            write=False,
        )
        assert state == "Expired"
        # A new invitation replaces the expired one.
        _set(cloud, "project.invite.timeout", "86400")
        lead.run("addAccountToProject", projectid=pid, account="ex-guest")
        guest.run("updateProjectInvitation", projectid=pid)
        assert ("ex-guest", None, "Regular") in _members(lead, pid)
    finally:
        _set(cloud, "project.invite.required", "false")
        _set(cloud, "project.invite.timeout", "86400")


def test_email_invitations_carry_a_token(cloud: Cloud) -> None:
    _a, lead = account_client(cloud, "em-lead")
    _g, guest = account_client(cloud, "em-guest")
    pid = create_project(lead, "em-proj")["id"]
    _set(cloud, "project.invite.required", "true")
    try:
        # No relay configured: say what to set, invite nobody.
        assert error_of(lead.call, "addAccountToProject", projectid=pid, email="g@x.org") == 431
        with smtp_sink() as sink:
            _set(cloud, "project.smtp.host", sink.host)
            _set(cloud, "project.smtp.port", str(sink.port))
            _set(cloud, "project.email.sender", "cloud@example.org")
            bad = error_of(lead.call, "addAccountToProject", projectid=pid, email="not-mail")
            assert bad == 431
            lead.run("addAccountToProject", projectid=pid, email="guest@example.org")
            (mail,) = sink.messages
        assert mail["To"] == "guest@example.org" and mail["From"] == "cloud@example.org"
        text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
        token = re.search(r"token=([A-Za-z0-9_-]+)", text).group(1)  # type: ignore[union-attr]
        (inv,) = lead.call("listProjectInvitations", projectid=pid)["projectinvitation"]
        assert (inv["email"], inv["state"]) == ("guest@example.org", "Pending")
        assert guest.call("listProjectInvitations") == {}  # addressed to a mailbox, not an account
        wrong = error_of(guest.call, "updateProjectInvitation", projectid=pid, token=token + "x")
        assert wrong == 431
        guest.run("updateProjectInvitation", projectid=pid, token=token)
        assert ("em-guest", None, "Regular") in _members(lead, pid)
        # A relay that is gone: 534, and no invitation is left without its mail.
        lead.run("deleteAccountFromProject", projectid=pid, account="em-guest")
        failed = lead.call("addAccountToProject", projectid=pid, email="other@example.org")
        job = lead.wait_job(failed["jobid"])
        assert (job["jobstatus"], job["jobresultcode"]) == (2, 534), job
        assert "project.smtp.host" in job["jobresult"]["errortext"]
        assert lead.call("listProjectInvitations", projectid=pid, state="Pending") == {}
    finally:
        _set(cloud, "project.invite.required", "false")
        _set(cloud, "project.smtp.host", "")
