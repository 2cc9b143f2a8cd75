"""Settings the wire layer honours: POST/timestamp enforcement, sessions, page size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cumulo.db.models.system import UserSession
from cumulo.http.signing import sign
from tests.helpers_accounts import domain_internal_id, make_domain, make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _set(cloud: Cloud, name: str, value: str) -> None:
    # A session cookie would make this a session request: sign it without one.
    cloud.http.cookies.clear()
    cloud.admin.call("updateConfiguration", method="POST", name=name, value=value)


def _signed(cloud: Cloud, command: str, *, v3: bool = True, ahead: timedelta | None = None):  # type: ignore[no-untyped-def]
    p = {"command": command, "response": "json", "apiKey": cloud.admin.apikey}
    if v3:
        moment = datetime.now(UTC) + (ahead or timedelta(minutes=5))
        p["signatureVersion"] = "3"
        p["expires"] = moment.strftime("%Y-%m-%dT%H:%M:%S+0000")
    p["signature"] = sign(p, cloud.admin.secretkey)
    return cloud.http.get("/client/api", params=p)


def test_enforcement_needs_post_for_state_changes(cloud: Cloud) -> None:
    # Off (the default): GET works for anything.
    assert cloud.admin.call("createDomain", name="by-get")["domain"]["name"] == "by-get"
    _set(cloud, "enforce.post.requests.and.timestamps", "true")
    resp = cloud.admin.raw("createDomain", name="still-by-get")
    assert resp.status_code == 400
    assert resp.json()["createdomainresponse"]["errortext"] == (
        "State changing command createDomain needs to be sent using POST request"
    )
    assert cloud.admin.call("listDomains", listall=True, name="still-by-get") == {}
    # Reads stay allowed over GET; writes work over POST.
    assert cloud.admin.call("listDomains", listall=True, name="by-get")["count"] == 1
    made = cloud.admin.call("createDomain", method="POST", name="by-post")
    assert made["domain"]["name"] == "by-post"
    resp = cloud.admin.raw("updateConfiguration", name="default.page.size", value="10")
    assert resp.status_code == 400
    with pytest.raises(ApiError) as err:
        cloud.admin.call("archiveEvents", type="DOMAIN.CREATE")
    assert err.value.status == 400
    # Switching it off again must itself be a POST.
    _set(cloud, "enforce.post.requests.and.timestamps", "false")
    assert cloud.admin.raw("createDomain", name="get-again").status_code == 200


def test_enforcement_needs_v3_signatures_expiring_soon(cloud: Cloud) -> None:
    assert _signed(cloud, "listRegions", v3=False).status_code == 200
    assert _signed(cloud, "listRegions", ahead=timedelta(hours=2)).status_code == 200
    _set(cloud, "enforce.post.requests.and.timestamps", "true")
    assert _signed(cloud, "listRegions", v3=False).status_code == 401
    assert _signed(cloud, "listRegions", ahead=timedelta(minutes=30)).status_code == 401
    assert _signed(cloud, "listRegions", ahead=timedelta(minutes=14)).status_code == 200
    assert _signed(cloud, "listRegions", ahead=timedelta(minutes=-1)).status_code == 401


def _login(cloud: Cloud) -> tuple[dict, str]:
    resp = cloud.http.post(
        "/client/api",
        data={
            "command": "login",
            "username": "admin",
            "password": cloud.creds.password,
            "response": "json",
        },
    )
    assert resp.status_code == 200, resp.text
    cookie = next(
        v for k, v in resp.headers.multi_items() if k == "set-cookie" and "sessionkey=" in v
    )
    return resp.json()["loginresponse"], cookie


def _session_get(cloud: Cloud, key: str | None) -> int:
    params = {"command": "listRegions", "response": "json"}
    if key is not None:
        params["sessionkey"] = key
    return cloud.http.get("/client/api", params=params).status_code


def test_session_timeout_setting(cloud: Cloud) -> None:
    assert _login(cloud)[0]["timeout"] == 1800
    _set(cloud, "session.timeout", "2")
    login, _ = _login(cloud)
    assert login["timeout"] == 120
    # The stored session really lapses after two minutes of inactivity.
    expires = cloud.rt.db.run(
        lambda s: s.execute(
            select(UserSession.expires).order_by(UserSession.id.desc()).limit(1)
        ).scalar_one()
    )
    left = (expires - datetime.now(UTC)).total_seconds()
    assert 100 < left <= 121


def test_session_key_locations(cloud: Cloud) -> None:
    _set(cloud, "api.sessionkey.check.locations", "ParameterOnly")
    key = _login(cloud)[0]["sessionkey"]
    cloud.http.cookies.delete("sessionkey")
    assert _session_get(cloud, key) == 200  # parameter alone is enough
    assert _session_get(cloud, None) == 401  # ... but it is needed

    _set(cloud, "api.sessionkey.check.locations", "CookieOrParameter")
    _login(cloud)
    assert _session_get(cloud, None) == 200  # the cookie alone is enough
    assert _session_get(cloud, "wrong") == 401  # a wrong parameter still fails

    _set(cloud, "api.sessionkey.check.locations", "CookieAndParameter")
    key = _login(cloud)[0]["sessionkey"]
    assert _session_get(cloud, None) == 401  # both are needed


@pytest.mark.parametrize(
    ("setting", "expected", "absent"),
    [
        ("Lax", "; SameSite=Lax", "Secure"),
        ("Strict", "; SameSite=Strict", "Lax"),
        ("NoneAndSecure", "; SameSite=None; Secure", "Lax"),
        ("Null", "HttpOnly", "SameSite"),
    ],
)
def test_session_cookie_samesite(cloud: Cloud, setting: str, expected: str, absent: str) -> None:
    _set(cloud, "api.sessionkey.cookie.samesite", setting)
    _, cookie = _login(cloud)
    assert cookie.endswith(expected) and absent not in cookie


def test_default_page_size_caps_lists(cloud: Cloud) -> None:
    for i in range(4):
        cloud.admin.call("createDomain", name=f"d{i}")
    _set(cloud, "default.page.size", "3")
    body = cloud.admin.call("listDomains", listall=True)
    assert len(body["domain"]) == 3 and body["count"] == 5
    with pytest.raises(ApiError) as err:
        cloud.admin.call("listDomains", listall=True, page=1, pagesize=4)
    assert err.value.status == 431
    assert "max allowed page size value: 3" in err.value.body["errortext"]
    assert len(cloud.admin.call("listDomains", listall=True, pagesize=-1)["domain"]) == 5


def _user_login(cloud: Cloud, username: str, password: str) -> int:
    resp = cloud.http.post(
        "/client/api",
        data={"command": "login", "username": username, "password": password, "response": "json"},
    )
    cloud.http.cookies.clear()
    return resp.status_code


def test_incorrect_login_attempts_allowed(cloud: Cloud) -> None:
    _set(cloud, "incorrect.login.attempts.allowed", "2")
    make_user(cloud, "forgetful", password="right-pw")
    assert _user_login(cloud, "forgetful", "wrong") == 531
    assert _user_login(cloud, "forgetful", "right-pw") == 200  # one miss is forgiven
    assert _user_login(cloud, "forgetful", "wrong") == 531
    assert _user_login(cloud, "forgetful", "wrong") == 531
    # Two misses in a row: the user is disabled, the right password no longer works.
    assert _user_login(cloud, "forgetful", "right-pw") == 531


def test_api_key_access_per_domain(cloud: Cloud) -> None:
    sub = make_domain(cloud, "keyless")
    user = make_user(cloud, "inside", domain_id=domain_internal_id(cloud, sub["id"]))
    outside = make_user(cloud, "outside")
    assert user.client.raw("listRegions").status_code == 200
    cloud.admin.call(
        "updateConfiguration", name="api.key.access", value="false", domainid=sub["id"]
    )
    # The domain's value says no: its users lose key access at once, others keep it.
    assert user.client.raw("listRegions").status_code == 401
    assert outside.client.raw("listRegions").status_code == 200
    cloud.admin.call("resetConfiguration", name="api.key.access", domainid=sub["id"])
    assert user.client.raw("listRegions").status_code == 200
