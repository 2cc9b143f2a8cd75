"""Events: listEvents visibility and filters, listEventTypes, archiveEvents, deleteEvents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cumulo.api.roles import RoleType
from cumulo.db.models.event import Event
from cumulo.db.models.project import Project
from cumulo.services import events
from cumulo.services.callers import caller_for_user
from tests.helpers_accounts import ApiUser, domain_internal_id, make_domain, make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _record(
    cloud: Cloud,
    user_id: int,
    type: str,
    description: str,
    *,
    created: datetime | None = None,
    **extra: object,
) -> str:
    """An event recorded as the given user would cause it; returns its uuid."""

    def work(session):  # type: ignore[no-untyped-def]
        found = caller_for_user(session, user_id)
        assert found is not None
        event = events.record(session, found[0], type, description, **extra)  # type: ignore[arg-type]
        if created is not None:
            event.created = created
        session.flush()
        return event.uuid

    return cloud.rt.db.run(work)  # type: ignore[no-any-return]


def _ids(body: dict) -> set[str]:
    return {e["id"] for e in body.get("event", [])}


def _error(fn, *args, **kwargs) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as err:
        fn(*args, **kwargs)
    return err.value


def test_event_fields(cloud: Cloud) -> None:
    domain = cloud.admin.call("createDomain", name="audited")["domain"]
    body = cloud.admin.call("listEvents", type="DOMAIN.CREATE")
    assert body["count"] == 1
    event = body["event"][0]
    assert event["username"] == "admin" and event["account"] == "admin"
    assert event["domain"] == "ROOT" and event["domainpath"] == "ROOT"
    assert event["domainid"] == cloud.admin.call("listDomains", name="ROOT")["domain"][0]["id"]
    assert event["level"] == "INFO" and event["state"] == "Completed"
    assert event["resourcetype"] == "Domain" and event["resourceid"] == domain["id"]
    assert event["archived"] is False and "/audited/" in event["description"]
    assert datetime.strptime(event["created"], "%Y-%m-%dT%H:%M:%S%z") <= datetime.now(UTC)
    assert "parentid" not in event


def test_visibility_follows_accounts_and_domains(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    bob = make_user(cloud, "bob")
    sub = make_domain(cloud, "sub")
    sub_id = domain_internal_id(cloud, sub["id"])
    carol = make_user(cloud, "carol", domain_id=sub_id)
    dadmin = make_user(cloud, "subadmin", RoleType.DOMAIN_ADMIN, domain_id=sub_id)
    a = _record(cloud, alice.user_id, "VM.CREATE", "alice's vm")
    b = _record(cloud, bob.user_id, "VM.CREATE", "bob's vm")
    c = _record(cloud, carol.user_id, "VM.CREATE", "carol's vm")
    # A user sees only its own account, whatever it asks for.
    assert _ids(alice.client.call("listEvents", type="VM.CREATE")) == {a}
    assert _ids(alice.client.call("listEvents", type="VM.CREATE", listall=True)) == {a}
    err = _error(alice.client.call, "listEvents", account="bob")
    assert err.status == 531
    # Admins see their own account unless they ask for more.
    assert cloud.admin.call("listEvents", type="VM.CREATE") == {}
    assert _ids(cloud.admin.call("listEvents", type="VM.CREATE", listall=True)) == {a, b, c}
    root = cloud.admin.call("listDomains", name="ROOT")["domain"][0]["id"]
    by_account = cloud.admin.call("listEvents", type="VM.CREATE", account="bob", domainid=root)
    assert _ids(by_account) == {b}
    assert _ids(cloud.admin.call("listEvents", type="VM.CREATE", domainid=sub["id"])) == {c}
    # A domain admin never sees beyond its subtree.
    assert _ids(dadmin.client.call("listEvents", type="VM.CREATE", listall=True)) == {c}
    err = _error(dadmin.client.call, "listEvents", domainid=root)
    assert err.status == 531


def test_filters(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    old = _record(
        cloud,
        alice.user_id,
        "VOLUME.CREATE",
        "old volume",
        created=datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
    )
    warn = _record(
        cloud,
        alice.user_id,
        "VM.STOP",
        "stopped by the host",
        level="WARN",
        resource_type="VirtualMachine",
        resource_uuid="11111111-2222-3333-4444-555555555555",
    )
    started = _record(cloud, alice.user_id, "VM.START", "starting", state="Started")
    call = alice.client.call
    assert _ids(call("listEvents", type="VM.STOP")) == {warn}
    assert _ids(call("listEvents", level="warn")) == {warn}
    assert _ids(call("listEvents", keyword="host")) == {warn}
    assert _ids(call("listEvents", state="started")) == {started}
    assert _ids(call("listEvents", startdate="2024-03-01", enddate="2024-03-01")) == {old}
    assert old not in _ids(call("listEvents", startdate="2024-03-02"))
    assert _ids(call("listEvents", enddate="2024-03-01 09:59:59")) == set()
    by_resource = call(
        "listEvents",
        resourcetype="virtualmachine",
        resourceid="11111111-2222-3333-4444-555555555555",
    )
    assert _ids(by_resource) == {warn}
    err = _error(call, "listEvents", resourceid="11111111-2222-3333-4444-555555555555")
    assert err.status == 431 and "resourcetype" in err.body["errortext"]
    err = _error(call, "listEvents", startdate="yesterday")
    assert err.status == 431 and "startdate" in err.body["errortext"]
    err = _error(call, "listEvents", state="Sleeping")
    assert err.status == 431
    # CloudStack's pending-event search answers nothing when both are given.
    assert call("listEvents", duration=10, entrytime=10) == {}
    page = call("listEvents", page=1, pagesize=2)
    assert page["count"] == 3 and len(page["event"]) == 2
    # Newest first.
    assert page["event"][0]["id"] in {warn, started} and old not in _ids(page)


def test_parent_and_children(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")

    def work(session):  # type: ignore[no-untyped-def]
        found = caller_for_user(session, alice.user_id)
        assert found is not None
        first = events.record(session, found[0], "VM.START", "scheduled", state="Scheduled")
        session.flush()
        done = events.record(session, found[0], "VM.START", "done")
        done.start_id = first.id
        session.flush()
        return first.uuid, done.uuid

    first, done = cloud.rt.db.run(work)
    body = alice.client.call("listEvents", startid=first)
    assert _ids(body) == {first, done}
    child = next(e for e in body["event"] if e["id"] == done)
    assert child["parentid"] == first


def test_event_types(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    body = alice.client.call("listEventTypes")
    names = {e["name"] for e in body["eventtype"]}
    assert body["count"] == len(names) > 300
    assert {
        "VM.CREATE",
        "VM.START",
        "VOLUME.CREATE",
        "NET.IPASSIGN",
        "USER.LOGIN",
        "DOMAIN.CREATE",
        "CONFIGURATION.VALUE.EDIT",
    } <= names


def test_archive_and_delete_own_events(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    bob = make_user(cloud, "bob")
    a1 = _record(cloud, alice.user_id, "VM.CREATE", "one")
    a2 = _record(cloud, alice.user_id, "VM.CREATE", "two")
    a3 = _record(cloud, alice.user_id, "VM.STOP", "three")
    b1 = _record(cloud, bob.user_id, "VM.CREATE", "bob's")
    assert alice.client.call("archiveEvents", ids=a1) == {"success": True}
    assert _ids(alice.client.call("listEvents")) == {a2, a3}
    archived = alice.client.call("listEvents", archived=True)
    assert _ids(archived) == {a1} and archived["event"][0]["archived"] is True
    # Someone else's event: refused as a whole, nothing changes.
    err = _error(alice.client.call, "archiveEvents", ids=f"{a2},{b1}")
    assert err.status == 531 and b1 in err.body["errortext"]
    assert _ids(alice.client.call("listEvents")) == {a2, a3}
    assert _ids(bob.client.call("listEvents")) == {b1}
    # By type: only the caller's own events of that type.
    assert alice.client.call("deleteEvents", type="VM.CREATE")["success"] is True
    assert _ids(alice.client.call("listEvents")) == {a3}
    assert _ids(alice.client.call("listEvents", archived=True)) == set()
    assert _ids(bob.client.call("listEvents")) == {b1}
    # By date range, inclusive of the end day.
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    alice.client.call("archiveEvents", startdate="2020-01-01", enddate=today)
    assert alice.client.call("listEvents") == {}
    assert _ids(alice.client.call("listEvents", archived=True)) == {a3}


def test_archive_and_delete_need_a_selection(cloud: Cloud) -> None:
    for command in ("archiveEvents", "deleteEvents"):
        err = _error(cloud.admin.call, command)
        assert err.status == 431 and "ids, type or enddate" in err.body["errortext"]
        err = _error(cloud.admin.call, command, startdate="2024-01-01")
        assert err.status == 431 and "enddate must be specified" in err.body["errortext"]
        err = _error(cloud.admin.call, command, ids="3f1b0c2e-4a5d-4e6f-8a9b-0c1d2e3f4a5b")
        assert err.status == 431


def test_admin_archives_within_its_domain(cloud: Cloud) -> None:
    sub = make_domain(cloud, "sub")
    sub_id = domain_internal_id(cloud, sub["id"])
    carol: ApiUser = make_user(cloud, "carol", domain_id=sub_id)
    dadmin = make_user(cloud, "subadmin", RoleType.DOMAIN_ADMIN, domain_id=sub_id)
    c = _record(cloud, carol.user_id, "VM.CREATE", "carol's")
    root_event = cloud.admin.call("listEvents", type="DOMAIN.CREATE")["event"][0]["id"]
    err = _error(dadmin.client.call, "deleteEvents", ids=root_event)
    assert err.status == 531
    dadmin.client.call("deleteEvents", ids=c)
    assert carol.client.call("listEvents") == {}
    assert cloud.rt.db.run(lambda s: s.query(Event).filter(Event.uuid == c).count()) == 0


def test_project_filter(cloud: Cloud) -> None:
    alice = make_user(cloud, "alice")
    bob = make_user(cloud, "bob")
    accepted = alice.client.call("createProject", name="apollo", displaytext="Apollo")
    assert alice.client.wait_job(accepted["jobid"])["jobstatus"] == 1
    project_account = cloud.rt.db.run(
        lambda s: s.execute(select(Project.account_id).where(Project.uuid == accepted["id"]))
    ).scalar_one()
    mine = _record(cloud, alice.user_id, "VM.CREATE", "not in a project")
    in_project = _record(
        cloud, alice.user_id, "VM.CREATE", "in a project", account_id=project_account
    )
    # Project events show only when asked for with projectid.
    assert _ids(alice.client.call("listEvents", type="VM.CREATE")) == {mine}
    vm = {"type": "VM.CREATE"}
    assert _ids(alice.client.call("listEvents", projectid=accepted["id"], **vm)) == {in_project}
    assert _ids(alice.client.call("listEvents", projectid="-1", **vm)) == {in_project}
    assert _ids(cloud.admin.call("listEvents", projectid="-1", listall=True)) >= {in_project}
    err = _error(bob.client.call, "listEvents", projectid=accepted["id"])
    assert err.status == 531
    err = _error(alice.client.call, "listEvents", projectid="3f1b0c2e-4a5d-4e6f-8a9b-0c1d2e3f4a5b")
    assert err.status == 431
