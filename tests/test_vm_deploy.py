"""deployVirtualMachine end to end on a simulator zone."""

from __future__ import annotations

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy, guest_allocation


def test_deploy_runs_vm_with_nic_volume_and_capacity(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    accepted = api.call(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=env.network_id,
        name="web1",
    )
    # async-create: the VM exists at once
    listed = api.call("listVirtualMachines", id=accepted["id"])["virtualmachine"][0]
    assert listed["name"] == "web1"
    vm = api.wait_job(accepted["jobid"])["jobresult"]["virtualmachine"]
    assert vm["state"] == "Running" and vm["id"] == accepted["id"]
    assert vm["cpunumber"] == 1 and vm["memory"] == 512
    assert vm["hostid"] in {h["id"] for h in env.hosts}
    (nic,) = vm["nic"]
    assert nic["ipaddress"].startswith("10.1.1.") and nic["isdefault"] is True
    assert nic["networkid"] == env.network_id
    assert guest_allocation(cloud, vm["hostid"]) == (500, 512 * 1024 * 1024)


def test_startvm_false_leaves_vm_stopped_without_host(cloud: Cloud) -> None:
    env = build(cloud)
    vm = deploy(cloud.admin, env, startvm=False)["virtualmachine"]
    assert vm["state"] == "Stopped" and "hostid" not in vm
    started = cloud.admin.run("startVirtualMachine", id=vm["id"])["virtualmachine"]
    assert started["state"] == "Running"


def test_bad_parameters_answer_431_and_leave_nothing(cloud: Cloud) -> None:
    env = build(cloud)
    api = cloud.admin
    custom = api.call("createServiceOffering", name="custom", customized=True)["serviceoffering"]
    with pytest.raises(ApiError) as err:
        deploy(api, env, serviceofferingid=custom["id"])
    assert err.value.status == 431 and "cpuNumber" in str(err.value.body)
    with pytest.raises(ApiError) as err:
        deploy(api, env, name="bad_name!")
    assert err.value.status == 431
    assert api.call("listVirtualMachines").get("virtualmachine") is None
    vm = deploy(
        api,
        env,
        serviceofferingid=custom["id"],
        **{"details[0].cpuNumber": 2, "details[0].cpuSpeed": 1000, "details[0].memory": 1024},
    )["virtualmachine"]
    assert (vm["cpunumber"], vm["cpuspeed"], vm["memory"]) == (2, 1000, 1024)


def test_deploy_job_ends_in_the_transaction_that_records_running(cloud: Cloud) -> None:
    """The job's answer commits with the VM's Running state: no separate finish
    transaction, so a poll never sees the VM Running while its job is pending."""
    import threading

    from sqlalchemy import event

    env = build(cloud)
    engine = cloud.rt.db.engine
    transactions: list[list[str]] = []
    current: dict[int, list[str]] = {}  # per thread: its open transaction's UPDATEs

    def begin(_conn: object) -> None:
        current[threading.get_ident()] = tx = []
        transactions.append(tx)

    def statement(_conn: object, _cur: object, sql: str, *_: object) -> None:
        tx = current.get(threading.get_ident())
        if tx is not None and sql.lstrip().upper().startswith("UPDATE"):
            tx.append(" ".join(sql.split()))

    event.listen(engine, "begin", begin)
    event.listen(engine, "after_cursor_execute", statement)
    try:
        vm = deploy(cloud.admin, env)["virtualmachine"]
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "after_cursor_execute", statement)
    assert vm["state"] == "Running"
    finishing = [tx for tx in transactions if any("async_job SET status" in s for s in tx)]
    assert len(finishing) == 1, finishing
    assert any(s.startswith("UPDATE vm_instance SET state") for s in finishing[0]), finishing
