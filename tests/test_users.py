"""Users: create, update (password, keys), disable/lock/enable, delete, list."""

from __future__ import annotations

import uuid

from tests.identity import account_client, act_as, error_of, event_types, make_account, make_domain
from tests.support.cloud import Cloud


def login_status(cloud: Cloud, username: str, password: str, domain: str = "/") -> int:
    data = {"command": "login", "username": username, "password": password}
    data.update({"domain": domain, "response": "json"})
    status = cloud.http.post("/client/api", data=data).status_code
    cloud.http.cookies.clear()  # a session cookie would take over the signed calls
    return status


def add_user(cloud: Cloud, account: str, username: str, **params: object) -> dict:
    body = cloud.admin.call(
        "createUser",
        account=account,
        username=username,
        password=f"pw-{username}",
        email=f"{username}@example.org",
        firstname="First",
        lastname="Last",
        **params,
    )
    return body["user"]


def test_create_and_list_users(cloud: Cloud) -> None:
    sub = make_domain(cloud, "ops")
    make_account(cloud, "team", domainid=sub["id"])
    custom = str(uuid.uuid4())
    user = add_user(cloud, "team", "second", domainid=sub["id"], userid=custom, timezone="UTC")
    assert user["id"] == custom and user["account"] == "team" and user["domain"] == "ops"
    assert user["accounttype"] == 0 and user["roletype"] == "User" and user["state"] == "enabled"
    assert user["usersource"] == "native" and user["timezone"] == "UTC"
    call = cloud.admin.call
    in_team = call("listUsers", account="team", domainid=sub["id"])["user"]
    assert {u["username"] for u in in_team} == {"team", "second"}
    assert [u["id"] for u in call("listUsers", listall=True, username="second")["user"]] == [custom]
    assert {u["username"] for u in call("listUsers", listall=True, keyword="seco")["user"]} == {
        "second"
    }
    admins = {u["username"] for u in call("listUsers", listall=True, accounttype=1)["user"]}
    assert admins == {"admin", "system"}
    assert call("listUsers", listall=True, usersource="ldap") == {}
    assert [u["username"] for u in call("listUsers")["user"]] == ["admin"]  # own account only
    assert [u["username"] for u in call("listUsers", id=custom)["user"]] == ["second"]
    # Usernames are unique per domain; a clash is 431 and creates nothing.
    assert error_of(add_user, cloud, "team", "second", domainid=sub["id"]) == 431
    assert error_of(add_user, cloud, "nosuchaccount", "x") == 431
    assert "USER.CREATE" in event_types(cloud)


def test_password_change_rules(cloud: Cloud) -> None:
    acct, client = account_client(cloud, "pat")
    uid = acct["user"][0]["id"]
    assert login_status(cloud, "pat", "secret-pat") == 200
    # A user must prove the current password.
    assert error_of(client.call, "updateUser", id=uid, password="new-1") == 431
    assert (
        error_of(client.call, "updateUser", id=uid, password="new-1", currentpassword="no") == 431
    )
    client.call("updateUser", id=uid, password="new-1", currentpassword="secret-pat")
    assert login_status(cloud, "pat", "secret-pat") == 531
    assert login_status(cloud, "pat", "new-1") == 200
    # An admin may reset it without.
    cloud.admin.call("updateUser", id=uid, password="reset-2")
    assert login_status(cloud, "pat", "reset-2") == 200
    # Other fields, as the user itself.
    me = client.call("updateUser", id=uid, email="p@new", firstname="Pat", timezone="Asia/Tokyo")
    assert me["user"]["email"] == "p@new" and me["user"]["timezone"] == "Asia/Tokyo"
    renamed = cloud.admin.call("updateUser", id=uid, username="patricia")["user"]
    assert renamed["username"] == "patricia"
    assert login_status(cloud, "patricia", "reset-2") == 200
    assert "USER.UPDATE" in event_types(cloud)


def test_set_own_api_keys_and_key_access(cloud: Cloud) -> None:
    acct, _client = account_client(cloud, "kim")
    uid = acct["user"][0]["id"]
    cloud.admin.call("updateUser", id=uid, userapikey="kim-api-key", usersecretkey="kim-secret")
    mine = cloud.client("kim-api-key", "kim-secret")
    assert mine.call("listAccounts")["account"][0]["name"] == "kim"
    keys = mine.call("getUserKeys", id=uid)["userkeys"]
    assert keys["apikey"] == "kim-api-key" and keys["secretkey"] == "kim-secret"
    assert error_of(cloud.admin.call, "updateUser", id=uid, userapikey="only-one") == 431
    other = make_account(cloud, "lee")
    assert (
        error_of(
            cloud.admin.call,
            "updateUser",
            id=other["user"][0]["id"],
            userapikey="kim-api-key",
            usersecretkey="s",
        )
        == 431
    )
    cloud.admin.call("updateUser", id=uid, apikeyaccess="Disabled")
    assert error_of(mine.call, "listAccounts") == 401
    # A user may not change its own API key access.
    cloud.admin.call("updateUser", id=uid, apikeyaccess="Inherit")
    assert error_of(mine.call, "updateUser", id=uid, apikeyaccess="Enabled") == 531


def test_disable_lock_enable_delete_user(cloud: Cloud) -> None:
    acct, client = account_client(cloud, "vic")
    uid = acct["user"][0]["id"]
    disabled = cloud.admin.run("disableUser", id=uid)["user"]
    assert disabled["state"] == "disabled"
    assert error_of(client.call, "listAccounts") == 401
    assert cloud.admin.call("enableUser", id=uid)["user"]["state"] == "enabled"
    assert client.call("listAccounts")["count"] == 1
    assert cloud.admin.call("lockUser", id=uid)["user"]["state"] == "locked"
    assert error_of(client.call, "listAccounts") == 401
    listed = cloud.admin.call("listUsers", listall=True, state="locked")["user"]
    assert [u["username"] for u in listed] == ["vic"]
    cloud.admin.call("enableUser", id=uid)
    assert cloud.admin.call("deleteUser", id=uid) == {"success": True}
    assert error_of(client.call, "listAccounts") == 401
    assert cloud.admin.call("listUsers", listall=True, username="vic") == {}
    admin_user = cloud.admin.call("listUsers")["user"][0]
    assert error_of(cloud.admin.call, "deleteUser", id=admin_user["id"]) == 531
    assert error_of(cloud.admin.call, "lockUser", id=admin_user["id"]) == 531
    assert {"USER.DISABLE", "USER.ENABLE", "USER.LOCK", "USER.DELETE"} <= set(event_types(cloud))


def test_get_user_and_keys_still_work(cloud: Cloud) -> None:
    acct = make_account(cloud, "gus")
    uid = acct["user"][0]["id"]
    client = act_as(cloud, uid)
    me = client.call("getUser", userapikey=client.apikey)["user"]
    assert me["id"] == uid and me["account"] == "gus"
    keys = client.call("getUserKeys", id=uid)["userkeys"]
    assert keys["apikey"] == client.apikey and keys["secretkey"] == client.secretkey
    fresh = client.call("registerUserKeys", id=uid)["userkeys"]
    assert fresh["apikey"] != client.apikey
    assert cloud.client(fresh["apikey"], fresh["secretkey"]).call(
        "getUser", userapikey=fresh["apikey"]
    )
