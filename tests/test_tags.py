"""Resource tags: the taggable-type registry, async create/delete, listTags, the OR filter.

Accounts are CloudStack-taggable (ResourceObjectType.Account) and exist on
every cloud, so they carry the end-to-end tests until other areas register
their types (UserVm, Volume, ...).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cumulo.db.models.account import Account
from cumulo.services import tags
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    admin_account_uuid,
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def _tags(**pairs: str) -> dict[str, str]:
    out = {}
    for i, (k, v) in enumerate(pairs.items()):
        out[f"tags[{i}].key"] = k
        out[f"tags[{i}].value"] = v
    return out


def test_create_list_delete(cloud: Cloud) -> None:
    admin_acct = admin_account_uuid(cloud)
    cloud.admin.run(
        "createTags",
        resourcetype="Account",
        resourceids=admin_acct,
        **_tags(env="prod", team="infra"),
    )
    listed = cloud.admin.call("listTags", resourceid=admin_acct)["tag"]
    assert {(t["key"], t["value"]) for t in listed} == {("env", "prod"), ("team", "infra")}
    first = listed[0]
    assert first["resourcetype"] == "Account" and first["resourceid"] == admin_acct
    assert first["account"] == "admin" and first["domain"] == "ROOT"
    assert cloud.admin.call("listTags", key="env", value="prod")["count"] == 1
    assert cloud.admin.call("listTags", resourcetype="account", keyword="inf")["count"] == 1
    with pytest.raises(ApiError) as err:
        cloud.admin.call(
            "createTags", resourcetype="Account", resourceids=admin_acct, **_tags(env="dev")
        )
    assert err.value.status == 431 and "env" in err.value.body["errortext"]
    # A value that does not match deletes nothing; the key alone does.
    cloud.admin.run(
        "deleteTags", resourcetype="Account", resourceids=admin_acct, **_tags(env="dev")
    )
    assert cloud.admin.call("listTags", resourceid=admin_acct)["count"] == 2
    cloud.admin.run(
        "deleteTags", resourcetype="Account", resourceids=admin_acct, **{"tags[0].key": "env"}
    )
    assert [t["key"] for t in cloud.admin.call("listTags", resourceid=admin_acct)["tag"]] == [
        "team"
    ]
    cloud.admin.run("deleteTags", resourcetype="Account", resourceids=admin_acct)
    assert cloud.admin.call("listTags", resourceid=admin_acct) == {}


@pytest.mark.parametrize(
    ("resourcetype", "fragment"),
    [
        ("Spaceship", "taggable types are"),
        ("Backup", "can't be tagged yet"),
        ("UserVm", "Unable to find resource"),
    ],
)
def test_unknown_and_unavailable_types(cloud: Cloud, resourcetype: str, fragment: str) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call(
            "createTags",
            resourcetype=resourcetype,
            resourceids="3f1d6a4e-0000-4000-8000-000000000000",
            **_tags(a="b"),
        )
    assert err.value.status == 431 and fragment in err.value.body["errortext"]


def test_bad_resource_and_missing_value(cloud: Cloud) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call(
            "createTags",
            resourcetype="Account",
            resourceids="3f1d6a4e-0000-4000-8000-000000000000",
            **_tags(a="b"),
        )
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        cloud.admin.call(
            "createTags",
            resourcetype="Account",
            resourceids=admin_account_uuid(cloud),
            **{"tags[0].key": "novalue"},
        )
    assert err.value.status == 431 and "value" in err.value.body["errortext"]


def test_tenants_tag_only_their_own(cloud: Cloud) -> None:
    dom = make_domain(cloud, "tagland")
    carol = make_tenant(cloud, "carol", dom)
    dave = make_tenant(cloud, "dave", dom)
    carol.client.run(
        "createTags", resourcetype="Account", resourceids=carol.account_uuid, **_tags(cost="42")
    )
    with pytest.raises(ApiError) as err:
        carol.client.call(
            "createTags", resourcetype="Account", resourceids=dave.account_uuid, **_tags(cost="0")
        )
    assert err.value.status == 531
    assert carol.client.call("listTags")["tag"][0]["account"] == "carol"
    assert dave.client.call("listTags", listall=True) == {}
    in_domain = cloud.admin.call("listTags", domainid=dom)["tag"]
    assert [(t["account"], t["key"]) for t in in_domain] == [("carol", "cost")]


def test_tag_filter_matches_any_pair(cloud: Cloud) -> None:
    """The helper list commands use for ``tags[i].key/value``: OR across pairs."""
    dom = make_domain(cloud, "filters")
    eve, fay, gus = (make_tenant(cloud, n, dom) for n in ("eve", "fay", "gus"))
    cloud.admin.run(
        "createTags", resourcetype="Account", resourceids=eve.account_uuid, **_tags(tier="gold")
    )
    cloud.admin.run(
        "createTags", resourcetype="Account", resourceids=fay.account_uuid, **_tags(region="eu")
    )
    cloud.admin.run(
        "createTags", resourcetype="Account", resourceids=gus.account_uuid, **_tags(tier="silver")
    )

    def matching(raw: dict[int, dict[str, str]]) -> set[str]:
        def work(session):  # type: ignore[no-untyped-def]
            clause = tags.tag_filter("Account", Account.id, raw)
            return set(session.execute(select(Account.name).where(clause)).scalars())

        return cloud.rt.db.run(work)  # type: ignore[no-any-return]

    assert matching({0: {"key": "tier", "value": "gold"}, 1: {"key": "region", "value": "eu"}}) == {
        "eve",
        "fay",
    }
    assert matching({0: {"key": "tier"}}) == {"eve", "gus"}
    assert matching({0: {"key": "tier", "value": "bronze"}}) == set()
    assert tags.tag_filter("Account", Account.id, None) is None
