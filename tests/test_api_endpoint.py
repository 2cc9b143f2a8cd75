"""/client/api served in front of Starlette (http/asgi_api.py): same answers as before."""

from __future__ import annotations

from tests.identity import account_client
from tests.support.cloud import Cloud


def test_get_head_and_post_are_api_calls_other_methods_are_405(cloud: Cloud) -> None:
    p = cloud.admin.signed_params("listDomains", {"listall": "true"})
    got = cloud.http.get("/client/api", params=p)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json; charset=UTF-8"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert int(got.headers["content-length"]) == len(got.content)
    assert got.json()["listdomainsresponse"]["count"] == 1
    # A form body is read like the query string; the sub-path is the same endpoint.
    posted = cloud.http.post("/client/api/", data=p)
    assert posted.status_code == 200 and posted.json() == got.json()
    head = cloud.http.head("/client/api", params=p)
    assert head.status_code == 200 and head.content == b""
    assert cloud.http.put("/client/api", params=p).status_code == 405
    assert cloud.http.delete("/client/api/x", params=p).status_code == 405


def test_errors_keep_their_headers_and_other_routes_still_answer(cloud: Cloud) -> None:
    p = cloud.admin.signed_params("listDomains", {})
    p["signature"] = "AAAA" + p["signature"][4:]
    bad = cloud.http.get("/client/api", params=p)
    assert bad.status_code == 401
    assert "unable to verify user credentials" in bad.headers["x-description"]
    assert cloud.http.post("/client/api", content=b"x" * 1_048_577).status_code == 413
    assert cloud.http.get("/healthz").text == "ok"
    assert cloud.http.get("/nowhere").status_code == 404


def test_cookies_of_every_cookie_header_reach_the_session_check(cloud: Cloud) -> None:
    account_client(cloud, "ep-user")
    login = cloud.http.post(
        "/client/api",
        data={"command": "login", "username": "ep-user", "password": "secret-ep-user"},
        params={"response": "json"},
    )
    assert login.status_code == 200, login.text
    key = login.json()["loginresponse"]["sessionkey"]
    session_id = login.cookies["JSESSIONID"]
    cloud.http.cookies.clear()
    params = {"command": "listAccounts", "response": "json", "sessionkey": key}
    # Session id and session key in two Cookie headers: both are read.
    headers = [("cookie", f"JSESSIONID={session_id}"), ("cookie", f"sessionkey={key}")]
    resp = cloud.http.get("/client/api", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["listaccountsresponse"]["account"][0]["name"] == "ep-user"
    alone = cloud.http.get("/client/api", params=params, headers=headers[:1])
    assert alone.status_code == 401  # the default check wants the key in the cookie too
