"""The wire contract of /client/api: envelopes, errors, signing, sessions."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from cumulo.http.signing import sign, string_to_sign
from tests.support.client import ApiError
from tests.support.cloud import Cloud

# The wire must not depend on the database: every test runs on both backends.
pytestmark = pytest.mark.backends("sqlite", "mariadb")


def test_string_to_sign_matches_java_rules() -> None:
    params = {
        "apiKey": "AbC",
        "command": "listZones",
        "expires": "2025-01-01T10:00:00+0000",
        "response": "json",
        "signatureVersion": "3",
        "signature": "ignored",
    }
    assert string_to_sign(params) == (
        "apikey=abc&command=listzones&expires=2025-01-01t10%3a00%3a00%2b0000"
        "&response=json&signatureversion=3"
    )
    # '*' stays literal, '~' becomes %7E, space becomes %20.
    assert string_to_sign({"a": "x*y~z w"}) == "a=x*y%7ez%20w"


def test_list_envelope_and_count(cloud: Cloud) -> None:
    body = cloud.admin.call("listDomains", listall=True)
    assert body["count"] == 1
    assert body["domain"][0]["path"] == "ROOT"
    assert "parentdomainid" not in body["domain"][0]  # null fields are omitted


def test_empty_list_is_an_empty_object(cloud: Cloud) -> None:
    assert cloud.admin.call("listDomains", listall=True, name="nothing-here") == {}


def test_xml_is_the_default(cloud: Cloud) -> None:
    p = cloud.admin.signed_params("listDomains", {"listall": "true"})
    del p["response"]
    p["signature"] = sign({k: v for k, v in p.items() if k != "signature"}, cloud.admin.secretkey)
    resp = cloud.http.get("/client/api", params=p)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    assert resp.text.startswith('<?xml version="1.0" encoding="UTF-8"?><listdomainsresponse')
    assert "<count>1</count><domain><id>" in resp.text


def test_bad_signature_is_401(cloud: Cloud) -> None:
    p = cloud.admin.signed_params("listDomains", {})
    p["signature"] = "AAAA" + p["signature"][4:]
    resp = cloud.http.get("/client/api", params=p)
    assert resp.status_code == 401
    assert resp.json()["listdomainsresponse"]["errorcode"] == 401


def test_expired_v3_signature_is_401(cloud: Cloud) -> None:
    p = {
        "command": "listDomains",
        "response": "json",
        "apiKey": cloud.admin.apikey,
        "signatureVersion": "3",
        "expires": "2020-01-01T00:00:00+0000",
    }
    p["signature"] = sign(p, cloud.admin.secretkey)
    assert cloud.http.get("/client/api", params=p).status_code == 401


def test_missing_required_parameter_is_431(cloud: Cloud) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createDomain")
    assert err.value.status == 431
    assert err.value.body["cserrorcode"] == 4350
    assert err.value.body["errortext"] == (
        "Unable to execute API command createdomain due to missing parameter name"
    )


def test_unknown_uuid_is_431_and_control_characters_are_rejected(cloud: Cloud) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("updateDomain", id="3fa85f64-5717-4562-b3fc-2c963f66afa6", name="x")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createDomain", name="tab\there")
    assert err.value.status == 431
    assert "non-printable" in err.value.body["errortext"]


def test_length_limit_is_431(cloud: Cloud) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("createDomain", name="x" * 256)
    assert err.value.status == 431


def test_parameter_names_are_case_insensitive(cloud: Cloud) -> None:
    body = cloud.admin.call("createDomain", NAME="upper")
    assert body["domain"]["name"] == "upper"


def test_unknown_command_is_401_on_the_key_path(cloud: Cloud) -> None:
    resp = cloud.admin.raw("noSuchCommand")
    assert resp.status_code == 401
    assert "errorresponse" in resp.json()


def test_post_and_tilde_encoding(cloud: Cloud) -> None:
    body = cloud.admin.call("createDomain", method="POST", name="a b~c*d")
    assert body["domain"]["name"] == "a b~c*d"


def test_login_session_requires_cookie_and_parameter(cloud: Cloud) -> None:
    assert cloud.http.get("/client/api", params={"command": "login"}).status_code == 405
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
    login = resp.json()["loginresponse"]
    assert login["timeout"] == 1800 and login["type"] == "1"
    key = login["sessionkey"]
    assert cloud.http.cookies.get("sessionkey") == key
    ok = cloud.http.get(
        "/client/api", params={"command": "listDomains", "response": "json", "sessionkey": key}
    )
    assert ok.status_code == 200
    cloud.http.cookies.delete("sessionkey")
    # Cookie missing: CookieAndParameter fails, and the session is invalidated.
    bad = cloud.http.get(
        "/client/api", params={"command": "listDomains", "response": "json", "sessionkey": key}
    )
    assert bad.status_code == 401


def test_bad_login_is_531(cloud: Cloud) -> None:
    resp = cloud.http.post(
        "/client/api",
        data={"command": "login", "username": "admin", "password": "wrong", "response": "json"},
    )
    assert resp.status_code == 531
    assert resp.json()["loginresponse"]["errorcode"] == 531


def test_async_job_result_is_always_present(cloud: Cloud) -> None:
    d = cloud.admin.call("createDomain", name="doomed")["domain"]
    accepted = cloud.admin.call("deleteDomain", id=d["id"])
    job = cloud.admin.wait_job(accepted["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    assert job["jobinstancetype"] == "Domain" and job["jobinstanceid"] == d["id"]
    assert cloud.admin.call("listDomains", listall=True, name="doomed") == {}


def test_paging_rules(cloud: Cloud) -> None:
    for i in range(5):
        cloud.admin.call("createDomain", name=f"d{i}")
    page = cloud.admin.call("listDomains", listall=True, page=2, pagesize=2)
    assert page["count"] == 6 and len(page["domain"]) == 2
    with pytest.raises(ApiError) as err:
        cloud.admin.call("listDomains", listall=True, pagesize=2)
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        cloud.admin.call("listDomains", listall=True, page=1, pagesize=501)
    assert "500" in err.value.body["errortext"]


def test_query_string_overrides_body_like_cloudstack(cloud: Cloud) -> None:
    p = cloud.admin.signed_params("createDomain", {"name": "from-query"})
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in p.items())
    resp = cloud.http.post(f"/client/api?{query}", data={"name": "from-body"})
    assert resp.status_code == 200
    assert resp.json()["createdomainresponse"]["domain"]["name"] == "from-query"
