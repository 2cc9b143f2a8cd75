"""login and logout: declared once, listed by listApis, answered by the HTTP layer."""

from __future__ import annotations

from tests.identity import account_client
from tests.support.cloud import Cloud


def test_list_apis_shows_login_and_logout_which_still_work(cloud: Cloud) -> None:
    _acct, user = account_client(cloud, "au-user")
    (login,) = user.call("listApis", name="login")["api"]
    params = {p["name"]: p["required"] for p in login["params"]}
    assert params == {"username": True, "password": True, "domain": False, "domainId": False}
    assert login["isasync"] is False
    assert {f["name"] for f in login["response"]} >= {"sessionkey", "username", "timeout"}
    names = {a["name"] for a in user.call("listApis")["api"]}
    assert {"login", "logout"} <= names
    # Still answered before authentication: a login without keys or session.
    resp = cloud.http.post(
        "/client/api",
        data={"command": "login", "username": "au-user", "password": "secret-au-user"},
        params={"response": "json"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["loginresponse"]["username"] == "au-user"
    out = cloud.http.post("/client/api", data={"command": "logout", "response": "json"})
    assert out.json() == {"logoutresponse": {"description": "success"}}
