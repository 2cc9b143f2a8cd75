"""Helpers for identity tests: accounts made through the API, clients acting as them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.db.models.event import Event
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud


def make_account(
    cloud: Cloud, name: str, *, by: ApiClient | None = None, **params: Any
) -> dict[str, Any]:
    """Create an account (type 0 unless said otherwise) and return its AccountResponse."""
    params.setdefault("accounttype", None if "roleid" in params else 0)
    body = (by or cloud.admin).call(
        "createAccount",
        username=name,
        password=f"secret-{name}",
        email=f"{name}@example.org",
        firstname=name.capitalize(),
        lastname="Tester",
        **params,
    )
    return body["account"]  # type: ignore[no-any-return]


def act_as(cloud: Cloud, user_id: str) -> ApiClient:
    keys = cloud.admin.call("registerUserKeys", id=user_id)["userkeys"]
    return cloud.client(keys["apikey"], keys["secretkey"])


def account_client(cloud: Cloud, name: str, **params: Any) -> tuple[dict[str, Any], ApiClient]:
    account = make_account(cloud, name, **params)
    return account, act_as(cloud, account["user"][0]["id"])


def make_domain(cloud: Cloud, name: str, parent: str | None = None) -> dict[str, Any]:
    body = cloud.admin.call("createDomain", name=name, parentdomainid=parent)
    return body["domain"]  # type: ignore[no-any-return]


def error_of(fn: Any, *args: Any, **kwargs: Any) -> int:
    """The status code an API call fails with (the test fails if it succeeds)."""
    try:
        fn(*args, **kwargs)
    except ApiError as exc:
        return exc.status
    raise AssertionError("the call succeeded but should have failed")


def event_types(cloud: Cloud) -> list[str]:
    return cloud.rt.db.run(
        lambda s: [t for (t,) in s.execute(select(Event.type).order_by(Event.id))],
        write=False,
    )


def names(body: dict[str, Any], key: str, field: str = "name") -> set[str]:
    return {item[field] for item in body.get(key, [])}
