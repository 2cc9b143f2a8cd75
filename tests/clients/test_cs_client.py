"""The `cs` library and CLI (exoscale/cs) against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cs import CloudStack, CloudStackApiException

from tests.clients.conftest import LiveServer

CS = str(Path(sys.executable).parent / "cs")


def client(live: LiveServer, method: str = "get") -> CloudStack:
    return CloudStack(endpoint=live.url, key=live.apikey, secret=live.secretkey, method=method)


@pytest.mark.parametrize("method", ["get", "post"])
def test_domain_tree_round_trip(live: LiveServer, method: str) -> None:
    cs = client(live, method)
    top = cs.createDomain(name=f"top-{method}-{uuid.uuid4().hex[:6]}")["domain"]
    child = cs.createDomain(name="子域 ~*", parentdomainid=top["id"])["domain"]
    assert child["path"] == f"ROOT/{top['name']}/子域 ~*"
    children = cs.listDomainChildren(id=top["id"])
    assert [d["id"] for d in children["domain"]] == [child["id"]]
    renamed = cs.updateDomain(id=child["id"], name="renamed")["domain"]
    assert renamed["path"].endswith("/renamed")
    result = cs.deleteDomain(id=top["id"], cleanup=True, fetch_result=True)
    assert result == {"success": True}
    assert cs.listDomains(id=top["id"], listall=True) == {}


def test_errors_surface_as_cloudstack_errors(live: LiveServer) -> None:
    cs = client(live)
    with pytest.raises(CloudStackApiException) as err:
        cs.createDomain()
    assert err.value.error["errorcode"] == 431
    assert "missing parameter name" in err.value.error["errortext"]


def test_fetch_list_pages_over_500_items(live: LiveServer) -> None:
    cs = client(live, "post")
    parent = cs.createDomain(name=f"many-{uuid.uuid4().hex[:6]}")["domain"]
    for i in range(510):
        cs.createDomain(name=f"d{i:03d}", parentdomainid=parent["id"])
    everything = cs.listDomainChildren(id=parent["id"], fetch_list=True)
    assert len(everything) == 510
    assert len({d["id"] for d in everything}) == 510
    one_page = cs.listDomainChildren(id=parent["id"])
    assert one_page["count"] == 510 and len(one_page["domain"]) == 500
    cs.deleteDomain(id=parent["id"], cleanup=True, fetch_result=True)


def test_async_polling_reports_job_failure(live: LiveServer) -> None:
    cs = client(live)
    parent = cs.createDomain(name=f"busy-{uuid.uuid4().hex[:6]}")["domain"]
    cs.createDomain(name="child", parentdomainid=parent["id"])
    # A domain with children cannot be deleted without cleanup: refused up front (536).
    with pytest.raises(CloudStackApiException) as err:
        cs.deleteDomain(id=parent["id"], fetch_result=True)
    assert err.value.error["errorcode"] == 536


def test_cli_get_and_post(live: LiveServer) -> None:
    env = live.client_env()
    name = f"cli-{uuid.uuid4().hex[:6]}"
    created = subprocess.run(
        [CS, "--post", "createDomain", f"name={name}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    domain = json.loads(created.stdout)["domain"]
    listed = subprocess.run(
        [CS, "listDomains", "listall=true", f"name={name}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout)["domain"][0]["id"] == domain["id"]
    deleted = subprocess.run(
        [CS, "deleteDomain", f"id={domain['id']}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(deleted.stdout) == {"success": True}  # the CLI polls async jobs


def test_accounts_users_and_keys_with_cs(live: LiveServer) -> None:
    cs = client(live, "post")
    dom = cs.createDomain(name=f"cs-{uuid.uuid4().hex[:6]}")["domain"]
    acct = cs.createAccount(
        accounttype=0,
        domainid=dom["id"],
        username="carol",
        password="Carol-pw-1",
        email="c@example.com",
        firstname="Carol",
        lastname="Danvers",
        account="carol-acct",
    )["account"]
    assert acct["name"] == "carol-acct" and acct["user"][0]["username"] == "carol"
    user_id = acct["user"][0]["id"]
    keys = cs.registerUserKeys(id=user_id)["userkeys"]
    carol = CloudStack(endpoint=live.url, key=keys["apikey"], secret=keys["secretkey"])
    me = carol.getUser(userapikey=keys["apikey"])["user"]
    assert me["account"] == "carol-acct" and me["domainid"] == dom["id"]
    # A plain user sees only its own account, whatever it asks for.
    seen = carol.listAccounts(listall=True)["account"]
    assert [a["name"] for a in seen] == ["carol-acct"]
    with pytest.raises(CloudStackApiException) as err:
        carol.createDomain(name="nope")
    assert err.value.error["errorcode"] == 432
    for i in range(3):
        cs.createUser(
            account="carol-acct",
            domainid=dom["id"],
            username=f"u{i}",
            password="x-Pw-1234",
            email=f"u{i}@example.com",
            firstname="U",
            lastname=str(i),
        )
    users = cs.listUsers(domainid=dom["id"], listall=True, fetch_list=True)
    assert sorted(u["username"] for u in users) == ["carol", "u0", "u1", "u2"]
    cs.disableAccount(id=acct["id"], lock=False, fetch_result=True)
    with pytest.raises(CloudStackApiException) as err:
        carol.listAccounts()
    assert err.value.error["errorcode"] == 401
    cs.deleteDomain(id=dom["id"], cleanup=True, fetch_result=True)
