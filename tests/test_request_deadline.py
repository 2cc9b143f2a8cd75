"""A request past its deadline is rolled back and answered 503: nothing is created
for a client the load balancer has already told 504.

The deploy storm in the HA lab found VMs (with their limit charges and jobs)
committed up to 40 s after HAProxy had answered 504 to their submission: the
stored resource counts, read at one moment, were short of a recount taken a
moment later by exactly those late VMs, and a client retrying its 504 would
have had two VMs. These tests move the request's clock instead of loading a
machine.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from cumulo.api import dispatch
from cumulo.api.declaration import lookup
from cumulo.db.models.job import AsyncJob
from cumulo.db.models.vm import VMInstance
from cumulo.http import asgi_api
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import Env, build

HOUR = 3600.0


def _submit(cloud: Cloud, env: Env) -> dict[str, Any]:
    return cloud.admin.call(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=env.network_id,
    )


def _user_vms_and_deploy_jobs(cloud: Cloud) -> tuple[int, int]:
    def count(s):  # type: ignore[no-untyped-def]
        vms = s.execute(
            select(func.count()).select_from(VMInstance).where(VMInstance.vm_type == "User")
        ).scalar_one()
        jobs = s.execute(
            select(func.count())
            .select_from(AsyncJob)
            .where(AsyncJob.command == "deployVirtualMachine")
        ).scalar_one()
        return int(vms), int(jobs)

    return cloud.rt.db.run(count, write=False)  # type: ignore[no-any-return]


def _vm_counts(cloud: Cloud) -> dict[str, int]:
    """The admin account's stored user_vm / cpu / memory counts."""
    found = cloud.admin.call("listAccounts", name="admin", listall=True)["account"][0]
    return {k: int(found[k]) for k in ("vmtotal", "cputotal", "memorytotal")}


def _recounted(cloud: Cloud) -> dict[str, int]:
    root = cloud.admin.call("listDomains", name="ROOT")["domain"][0]
    items = cloud.admin.call("updateResourceCount", domainid=root["id"], account="admin")
    by_type = {i["resourcetype"]: int(i["resourcecount"]) for i in items["resourcecount"]}
    return {"vmtotal": by_type["0"], "cputotal": by_type["8"], "memorytotal": by_type["9"]}


def test_deploy_that_outlives_its_deadline_creates_nothing(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = build(cloud)
    _submit(cloud, env)  # one VM that counts, so a drift could show
    before, counts = _user_vms_and_deploy_jobs(cloud), _vm_counts(cloud)
    command = lookup("deployVirtualMachine")
    assert command is not None
    real, skew = command.handler, {"s": 0.0}

    def slow_handler(call, args):  # type: ignore[no-untyped-def]
        result = real(call, args)
        skew["s"] = HOUR  # the VM, its charges and NICs are written, not committed
        return result

    monkeypatch.setattr(command, "handler", slow_handler)
    monkeypatch.setattr(
        dispatch, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + skew["s"])
    )
    with pytest.raises(ApiError) as err:
        _submit(cloud, env)
    assert err.value.status == 503, err.value.body
    assert "nothing was done" in str(err.value.body)
    monkeypatch.undo()
    assert _user_vms_and_deploy_jobs(cloud) == before
    assert _vm_counts(cloud) == counts == _recounted(cloud)


def test_request_that_queued_past_its_deadline_is_not_run(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = build(cloud)
    before, counts = _user_vms_and_deploy_jobs(cloud), _vm_counts(cloud)
    # Arrived an hour ago: it waited for a request thread all that time.
    monkeypatch.setattr(
        asgi_api, "time", SimpleNamespace(monotonic=lambda: time.monotonic() - HOUR)
    )
    with pytest.raises(ApiError) as err:
        _submit(cloud, env)
    assert err.value.status == 503, err.value.body
    monkeypatch.undo()
    assert _user_vms_and_deploy_jobs(cloud) == before
    assert _vm_counts(cloud) == counts
    # A request in time is served as before.
    accepted = _submit(cloud, env)
    assert cloud.admin.wait_job(accepted["jobid"])["jobstatus"] == 1
    assert _vm_counts(cloud)["vmtotal"] == counts["vmtotal"] + 1
