"""Resource limits and counts: API, defaults, and the race-safe consume/release."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.errors import ResourceLimitExceeded
from cumulo.services import limits
from cumulo.services.limits import ResourceType
from tests.identity import account_client, error_of, make_account, make_domain
from tests.support.cloud import Cloud


def by_type(body: dict) -> dict[str, int]:
    return {r["resourcetypename"]: r["max"] for r in body["resourcelimit"]}


def account_id(cloud: Cloud, name: str) -> int:
    return cloud.rt.db.run(
        lambda s: s.execute(
            select(Account.id).where(Account.name == name, Account.removed.is_(None))
        ).scalar_one(),
        write=False,
    )


def consume(cloud: Cloud, acct: int, rtype: int, amount: int = 1) -> None:
    cloud.rt.db.run(lambda s: limits.consume(s, cloud.rt.config, acct, rtype, amount))


def count_of(cloud: Cloud, owner_type: str, owner_id: int, rtype: int) -> int:
    return cloud.rt.db.run(lambda s: limits.counts(s, owner_type, owner_id)[rtype], write=False)


def test_defaults_and_updates_through_the_api(cloud: Cloud) -> None:
    sub = make_domain(cloud, "lim")
    _acct, user = account_client(cloud, "quota", domainid=sub["id"])
    mine = by_type(user.call("listResourceLimits"))
    assert len(mine) == 12
    assert mine["user_vm"] == 20 and mine["cpu"] == 40 and mine["memory"] == 40960
    assert mine["primary_storage"] == 200 and mine["secondary_storage"] == 400
    assert mine["project"] == 20
    one = user.call("listResourceLimits", resourcetype=8)["resourcelimit"]
    assert one == [
        {
            "account": "quota",
            "domainid": sub["id"],
            "domain": "lim",
            "domainpath": "ROOT/lim",
            "resourcetype": "8",
            "resourcetypename": "cpu",
            "max": 40,
        }
    ]
    assert user.call("listResourceLimits", resourcetypename="memory")["count"] == 1
    where = dict(account="quota", domainid=sub["id"])
    set_vm = cloud.admin.call("updateResourceLimit", resourcetype=0, max=5, **where)
    assert set_vm["resourcelimit"]["max"] == 5 and set_vm["resourcelimit"]["account"] == "quota"
    assert by_type(user.call("listResourceLimits"))["user_vm"] == 5
    assert user.call("listAccounts")["account"][0]["vmlimit"] == "5"
    # Domain limits: defaults from max.domain.*, ROOT unlimited.
    dom = by_type(cloud.admin.call("listResourceLimits", domainid=sub["id"]))
    assert dom["user_vm"] == 40 and dom["cpu"] == 80
    root = by_type(cloud.admin.call("listResourceLimits", domainid="1"))
    assert set(root.values()) == {-1}
    cloud.admin.call("updateResourceLimit", resourcetype=0, max=10, domainid=sub["id"])
    # An account may not get more than its domain, nor unlimited under a limited domain.
    assert error_of(cloud.admin.call, "updateResourceLimit", resourcetype=0, max=11, **where) == 431
    assert error_of(cloud.admin.call, "updateResourceLimit", resourcetype=0, max=-1, **where) == 431
    cloud.admin.call("updateResourceLimit", resourcetype=6, domainid=sub["id"])  # no max: -1
    unlimited = cloud.admin.call("updateResourceLimit", resourcetype=6, **where)["resourcelimit"]
    assert unlimited["max"] == -1 and unlimited["resourcetypename"] == "network"
    cloud.admin.call("updateResourceLimit", resourcetype=0, max=-1, domainid=sub["id"])
    assert user.call("listAccounts")["account"][0]["networklimit"] == "Unlimited"
    assert error_of(cloud.admin.call, "updateResourceLimit", resourcetype=42, max=1, **where) == 431
    assert error_of(cloud.admin.call, "updateResourceLimit", resourcetype=0, max=-5, **where) == 431
    assert error_of(cloud.admin.call, "updateResourceLimit", resourcetype=0, max=1) == 431


def test_consume_and_release_walk_the_domain_chain(cloud: Cloud) -> None:
    parent = make_domain(cloud, "parent")
    child = make_domain(cloud, "child", parent["id"])
    make_account(cloud, "worker", domainid=child["id"])
    acct = account_id(cloud, "worker")
    cloud.admin.call("updateResourceLimit", resourcetype=0, max=3, domainid=parent["id"])
    cloud.admin.call(
        "updateResourceLimit", resourcetype=0, max=2, account="worker", domainid=child["id"]
    )
    consume(cloud, acct, ResourceType.USER_VM)
    consume(cloud, acct, ResourceType.USER_VM)
    with pytest.raises(ResourceLimitExceeded, match=r"user_vm.*account worker"):
        consume(cloud, acct, ResourceType.USER_VM)
    ids = cloud.rt.db.run(
        lambda s: {d.name: d.id for d in s.execute(select(Domain)).scalars()}, write=False
    )
    assert count_of(cloud, "account", acct, 0) == 2
    assert count_of(cloud, "domain", ids["child"], 0) == 2
    assert count_of(cloud, "domain", ids["parent"], 0) == 2
    assert count_of(cloud, "domain", ids["ROOT"], 0) == 2
    # The parent domain's limit binds too, and a failure leaves every count as it was.
    make_account(cloud, "helper", domainid=child["id"])
    helper = account_id(cloud, "helper")
    consume(cloud, helper, ResourceType.USER_VM)
    with pytest.raises(ResourceLimitExceeded, match="domain parent"):
        consume(cloud, helper, ResourceType.USER_VM)
    assert count_of(cloud, "account", helper, 0) == 1
    assert count_of(cloud, "domain", ids["child"], 0) == 3
    cloud.rt.db.run(lambda s: limits.release(s, acct, ResourceType.USER_VM, 1))
    assert count_of(cloud, "domain", ids["parent"], 0) == 2
    consume(cloud, helper, ResourceType.USER_VM)  # room again
    # Storage is counted in bytes against a limit in GiB.
    cloud.admin.call(
        "updateResourceLimit", resourcetype=10, max=1, account="worker", domainid=child["id"]
    )
    consume(cloud, acct, ResourceType.PRIMARY_STORAGE, limits.GIB // 2)
    with pytest.raises(ResourceLimitExceeded):
        consume(cloud, acct, ResourceType.PRIMARY_STORAGE, limits.GIB)
    # Root admins are never limited.
    admin = account_id(cloud, "admin")
    consume(cloud, admin, ResourceType.CPU, 10_000)
    assert count_of(cloud, "account", admin, ResourceType.CPU) == 10_000


def test_concurrent_consumers_never_exceed_the_limit(cloud: Cloud) -> None:
    make_account(cloud, "racer")
    acct = account_id(cloud, "racer")
    cloud.admin.call("updateResourceLimit", resourcetype=2, max=15, account="racer", domainid="1")
    won: list[int] = []
    lost: list[int] = []

    def worker() -> None:
        for _ in range(10):
            try:
                consume(cloud, acct, ResourceType.VOLUME)
                won.append(1)
            except ResourceLimitExceeded:
                lost.append(1)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 15 and len(lost) == 15
    assert count_of(cloud, "account", acct, ResourceType.VOLUME) == 15


def test_update_resource_count_recalculates(cloud: Cloud) -> None:
    sub = make_domain(cloud, "recount")
    _acct, owner = account_client(cloud, "counted", domainid=sub["id"])
    accepted = owner.call("createProject", name="p1")
    owner.wait_job(accepted["jobid"])
    acct = account_id(cloud, "counted")
    consume(cloud, acct, ResourceType.PROJECT, 4)  # drift: 5 counted, 1 real
    assert owner.call("listAccounts")["account"][0]["projecttotal"] == 5
    fixed = cloud.admin.call(
        "updateResourceCount", domainid=sub["id"], account="counted", resourcetype=5
    )
    (row,) = fixed["resourcecount"]
    assert row["resourcecount"] == 1 and row["resourcetypename"] == "project"
    assert row["account"] == "counted" and row["domainpath"] == "ROOT/recount"
    consume(cloud, acct, ResourceType.PROJECT, 2)
    whole = cloud.admin.call("updateResourceCount", domainid=sub["id"])["resourcecount"]
    assert len(whole) == 12
    assert {r["resourcetypename"]: r["resourcecount"] for r in whole}["project"] == 1
    assert "account" not in whole[0] and whole[0]["domain"] == "recount"
    assert owner.call("listAccounts")["account"][0]["projecttotal"] == 1


def test_who_may_read_and_change_limits(cloud: Cloud) -> None:
    dom = make_domain(cloud, "da-dom")
    below = make_domain(cloud, "below", dom["id"])
    _d, dadmin = account_client(cloud, "da", accounttype=2, domainid=dom["id"])
    _u, user = account_client(cloud, "usr", domainid=below["id"])
    make_account(cloud, "elsewhere")
    assert error_of(user.call, "updateResourceLimit", resourcetype=0, max=1) == 432
    assert error_of(user.call, "updateResourceCount", domainid=below["id"]) == 432
    assert error_of(user.call, "listResourceLimits", account="elsewhere", domainid="1") == 531
    assert error_of(user.call, "listResourceLimits", domainid=below["id"]) == 531
    # A domain admin manages what is below it, not its own domain nor other domains.
    ok = dadmin.call(
        "updateResourceLimit", resourcetype=0, max=3, account="usr", domainid=below["id"]
    )
    assert ok["resourcelimit"]["max"] == 3
    dadmin.call("updateResourceLimit", resourcetype=0, max=4, domainid=below["id"])
    assert (
        error_of(dadmin.call, "updateResourceLimit", resourcetype=0, max=99, domainid=dom["id"])
        == 531
    )
    assert (
        error_of(
            dadmin.call,
            "updateResourceLimit",
            resourcetype=0,
            max=1,
            account="elsewhere",
            domainid="1",
        )
        == 531
    )
    assert error_of(dadmin.call, "listResourceLimits", domainid="1") == 531
    assert by_type(user.call("listResourceLimits"))["user_vm"] == 3


def test_domains_show_their_limits_and_usage(cloud: Cloud) -> None:
    sub = make_domain(cloud, "shown")
    assert sub["vmlimit"] == "40" and sub["vmtotal"] == 0
    _acct, owner = account_client(cloud, "shower", domainid=sub["id"])
    owner.wait_job(owner.call("createProject", name="p")["jobid"])
    cloud.admin.call("updateResourceLimit", resourcetype=5, max=3, domainid=sub["id"])
    listed = cloud.admin.call("listDomains", id=sub["id"])["domain"][0]
    assert listed["projectlimit"] == "3" and listed["projecttotal"] == 1
    assert listed["projectavailable"] == "2"
    root = cloud.admin.call("listDomains")["domain"][0]
    assert root["vmlimit"] == "Unlimited" and root["projecttotal"] == 1


def test_project_limits(cloud: Cloud) -> None:
    _acct, owner = account_client(cloud, "pm")
    _b, outsider = account_client(cloud, "nosy")
    accepted = owner.call("createProject", name="limited-project")
    owner.wait_job(accepted["jobid"])
    pid = accepted["id"]
    defaults = owner.call("listResourceLimits", projectid=pid)["resourcelimit"]
    assert {r["resourcetypename"]: r["max"] for r in defaults}["project"] == -1
    assert defaults[0]["projectid"] == pid and defaults[0]["project"] == "limited-project"
    assert "account" not in defaults[0]
    changed = cloud.admin.call("updateResourceLimit", resourcetype=2, max=3, projectid=pid)
    assert changed["resourcelimit"]["max"] == 3 and changed["resourcelimit"]["projectid"] == pid
    shown = owner.call("listProjects", id=pid)["project"][0]
    assert shown["volumelimit"] == "3" and "projectlimit" not in shown
    assert error_of(outsider.call, "listResourceLimits", projectid=pid) == 531
