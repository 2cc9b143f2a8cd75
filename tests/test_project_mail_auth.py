"""Invitation mails through a relay that demands SMTP AUTH (and STARTTLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cumulo.db.models.config import ConfigValue
from cumulo.db.models.event import Event
from tests.identity import account_client, error_of
from tests.support.client import ApiClient
from tests.support.cloud import Cloud
from tests.support.smtp_relay import Relay, smtp_relay
from tests.test_projects import create_project

SETTINGS = (
    "project.invite.required",
    "project.smtp.host",
    "project.smtp.port",
    "project.smtp.useAuth",
    "project.smtp.username",
    "project.smtp.password",
    "project.smtp.useStartTLS",
)


def _set(cloud: Cloud, name: str, value: str) -> dict[str, Any]:
    return cloud.admin.call("updateConfiguration", name=name, value=value)["configuration"]  # type: ignore[no-any-return]


@pytest.fixture
def relay_settings(cloud: Cloud) -> Any:
    def point_at(relay: Relay, **values: str) -> None:
        _set(cloud, "project.invite.required", "true")
        _set(cloud, "project.smtp.host", relay.host)
        _set(cloud, "project.smtp.port", str(relay.port))
        for name, value in values.items():
            _set(cloud, f"project.smtp.{name}", value)

    yield point_at
    for name in SETTINGS:
        cloud.admin.call("resetConfiguration", name=name)


def _invite(lead: ApiClient, pid: str, email: str) -> dict[str, Any]:
    accepted = lead.call("addAccountToProject", projectid=pid, email=email)
    return lead.wait_job(accepted["jobid"])  # type: ignore[no-any-return]


def _stored(cloud: Cloud, name: str) -> str | None:
    return cloud.rt.db.run(
        lambda s: s.execute(select(ConfigValue.value).where(ConfigValue.name == name)).scalar(),
        write=False,
    )


def _error_events(cloud: Cloud) -> list[str]:
    return cloud.rt.db.run(
        lambda s: [
            d
            for (d,) in s.execute(
                select(Event.description).where(
                    Event.type == "PROJECT.INVITATION.REMOVE", Event.level == "ERROR"
                )
            )
        ],
        write=False,
    )


def test_invitation_mail_logs_in_to_the_relay(cloud: Cloud, relay_settings: Any) -> None:
    _a, lead = account_client(cloud, "ma-lead")
    pid = create_project(lead, "ma-proj")["id"]
    with smtp_relay("inviter", "s3cret pass") as relay:
        # Without AUTH the relay refuses the mail: 534, no invitation left behind.
        relay_settings(relay)
        job = _invite(lead, pid, "a@example.org")
        assert (job["jobstatus"], job["jobresultcode"]) == (2, 534), job
        assert relay.messages == [] and relay.logins == []

        shown = _set(cloud, "project.smtp.password", "s3cret pass")
        assert shown["value"] == "********" and shown["category"] == "Secure"
        listed = cloud.admin.call("listConfigurations", name="project.smtp.password")
        assert [c["value"] for c in listed["configuration"]] == ["********"]
        stored = _stored(cloud, "project.smtp.password")
        assert stored and "s3cret" not in stored  # sealed with the cluster key
        relay_settings(relay, useAuth="true", username="inviter")
        job = _invite(lead, pid, "b@example.org")
        assert job["jobstatus"] == 1, job
        assert [login for _m, login, ok in relay.logins if ok] == ["inviter"]
        (mail,) = relay.messages
        assert mail["To"] == "b@example.org" and "token=" in mail.get_payload()

        # Wrong password: the relay refuses the login; the job says which settings to
        # fix, an ERROR event records it, and no invitation waits for a mail never sent.
        _set(cloud, "project.smtp.password", "wrong")
        job = _invite(lead, pid, "c@example.org")
        assert (job["jobstatus"], job["jobresultcode"]) == (2, 534), job
        text = job["jobresult"]["errortext"]
        assert "inviter" in text and "project.smtp.password" in text
        assert relay.logins[-1] == (relay.logins[-1][0], "inviter", False)
        assert len(relay.messages) == 1
        assert any("c@example.org" in e and "inviter" in e for e in _error_events(cloud))
        pending = lead.call("listProjectInvitations", projectid=pid, state="Pending")
        assert [i["email"] for i in pending["projectinvitation"]] == ["b@example.org"]
    # useAuth without a username is refused up front.
    _set(cloud, "project.smtp.username", "")
    assert error_of(lead.call, "addAccountToProject", projectid=pid, email="d@example.org") == 431


def test_invitation_mail_over_starttls(
    cloud: Cloud, relay_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _a, lead = account_client(cloud, "mt-lead")
    pid = create_project(lead, "mt-proj")["id"]
    with smtp_relay("tls-user", "tls-pass", starttls_dir=tmp_path) as relay:
        assert relay.cert_file is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(relay.cert_file))  # trust the relay's CA
        _set(cloud, "project.smtp.password", "tls-pass")
        relay_settings(relay, useAuth="true", username="tls-user")
        # The relay takes AUTH only after STARTTLS.
        job = _invite(lead, pid, "plain@example.org")
        assert (job["jobstatus"], job["jobresultcode"]) == (2, 534), job
        assert relay.messages == []
        _set(cloud, "project.smtp.useStartTLS", "true")
        job = _invite(lead, pid, "tls@example.org")
        assert job["jobstatus"] == 1, job
        assert [m["To"] for m in relay.messages] == ["tls@example.org"]
        assert [login for _m, login, ok in relay.logins if ok] == ["tls-user"]
