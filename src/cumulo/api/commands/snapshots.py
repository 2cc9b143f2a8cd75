"""Snapshot and snapshot policy commands (§6.8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.volumes import owned_volume
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER, list_owner
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.tag import tags_field
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.snapshot import Snapshot, SnapshotPolicy
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.errors import InvalidParameter, OperationFailed, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import events, snapshots, tags
from cumulo.services.vms.common import spec_from_json

S, U, B, INT = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN, ParamType.INTEGER
tags.register("Snapshot", "Snapshot")
SNAP = {
    "object_name": "snapshot",
    "response_class": "SnapshotResponse",
    "instance_type": "Snapshot",
    "roles": ALL_ROLES,
}


def snapshot_items(session: Session, snaps: list[Snapshot]) -> list[dict[str, Any]]:
    def by_id(model: Any, ids: set[int]) -> dict[int, Any]:
        if not ids:
            return {}
        return {r.id: r for r in session.execute(select(model).where(model.id.in_(ids))).scalars()}

    vols = by_id(Volume, {s.volume_id for s in snaps})
    zones = by_id(Zone, {s.zone_id for s in snaps})
    accounts = by_id(Account, {s.account_id for s in snaps})
    domains = by_id(Domain, {s.domain_id for s in snaps})
    tag_map = tags.tags_of(session, "Snapshot", [s.id for s in snaps])
    out = []
    for s in snaps:
        vol, zone = vols.get(s.volume_id), zones.get(s.zone_id)
        account, domain = accounts.get(s.account_id), domains.get(s.domain_id)
        item = {
            "id": s.uuid,
            "name": s.name,
            "state": s.state,
            "created": s.created,
            "snapshottype": s.snapshot_type,
            "intervaltype": s.snapshot_type if s.snapshot_type != "MANUAL" else None,
            "volumeid": vol.uuid if vol else None,
            "volumename": vol.name if vol else None,
            "volumetype": vol.volume_type if vol else None,
            "volumestate": vol.state if vol else None,
            "zoneid": zone.uuid if zone else None,
            "zonename": zone.name if zone else None,
            "account": account.name if account else None,
            "domainid": domain.uuid if domain else None,
            "domain": domain.name if domain else None,
            "domainpath": pretty_path(domain.path) if domain else None,
            "virtualsize": s.size,
            "physicalsize": s.physical_size,
            "locationtype": s.location_type,
            "revertable": s.state == "BackedUp",
            "hypervisor": s.hypervisor,
            "tags": tags_field(session, tag_map.get(s.id, [])),
        }
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def owned_snapshot(call: Call, snap: Snapshot) -> Snapshot:
    if snap.removed is not None:
        raise InvalidParameter(f"Unable to find snapshot by id {snap.uuid}; it was deleted")
    c = call.caller
    if snap.account_id == c.account_id or (c.is_admin and c.can_see_domain_path(snap.domain_path)):
        return snap
    raise PermissionDenied(f"Account {c.account_name} may not act on snapshot {snap.uuid}")


def _result(job: JobRun, snap_id: int) -> ObjectResult:
    def view(s: Session) -> ObjectResult:
        snap = s.get(Snapshot, snap_id)
        assert snap is not None
        return ObjectResult(snapshot_items(s, [snap])[0])

    return job.transaction(view, idempotent=True)


@command(
    "createSnapshot",
    params=[
        Param("volumeid", U, required=True, entity="Volume", description="The ID of the disk"),
        Param("name", S, description="the name of the snapshot"),
    ],
    kind=Kind.ASYNC_CREATE,
    **SNAP,  # type: ignore[arg-type]
)
def create_snapshot(call: Call, args: Args) -> Enqueue:
    """Creates an instant snapshot of a volume."""
    vol = owned_volume(call, args.volumeid)
    snap = snapshots.allocate(call.db, call.runtime.config, call.caller, vol, args.name)
    return Enqueue({"snap_id": snap.id}, instance_uuid=snap.uuid)


@create_snapshot.execute
def _create_snapshot(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    snap_id = int(payload["snap_id"])
    error = snapshots.take(job.transaction, job.caller, snap_id)
    if error is not None:
        raise OperationFailed(f"Unable to take the snapshot: {error}")
    return _result(job, snap_id)


@command(
    "listSnapshots",
    params=[
        Param("id", U, entity="Snapshot", description="lists snapshot by snapshot ID"),
        Param(
            "ids",
            ParamType.LIST,
            collection=U,
            since="4.9",
            entity="Snapshot",
            description="the IDs of the snapshots",
        ),
        Param("name", S, description="lists snapshot by snapshot name"),
        Param("volumeid", U, entity="Volume", description="the ID of the disk volume"),
        Param("snapshottype", S, description="MANUAL or RECURRING"),
        Param("intervaltype", S, description="HOURLY, DAILY, WEEKLY or MONTHLY"),
        Param("zoneid", U, entity="Zone", description="list snapshots by zone id"),
        Param("tags", ParamType.MAP, description="List resources by tags (key/value pairs)"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    object_name="snapshot",
    response_class="SnapshotResponse",
    is_list=True,
)
def list_snapshots(call: Call, args: Args) -> ListResult:
    """Lists all available snapshots for the account."""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(Snapshot).where(
        Snapshot.removed.is_(None),
        scope.where(Snapshot.account_id, Snapshot.domain_id, Snapshot.domain_path),
    )
    for key, col in (
        ("id", Snapshot.id),
        ("volumeid", Snapshot.volume_id),
        ("zoneid", Snapshot.zone_id),
    ):
        row = args.get(key)
        if row is not None:
            stmt = stmt.where(col == row.id)
    if args.ids:
        stmt = stmt.where(Snapshot.id.in_([r.id for r in args.ids]))
    if args.name:
        stmt = stmt.where(Snapshot.name == args.name)
    if args.keyword:
        stmt = stmt.where(Snapshot.name.like(f"%{args.keyword}%"))
    if args.snapshottype:
        kind = args.snapshottype.upper()
        stmt = stmt.where(
            Snapshot.snapshot_type == "MANUAL"
            if kind == "MANUAL"
            else Snapshot.snapshot_type != "MANUAL"
        )
    if args.intervaltype:
        stmt = stmt.where(Snapshot.snapshot_type == args.intervaltype.upper())
    tag_clause = tags.tag_filter("Snapshot", Snapshot.id, args.tags)
    if tag_clause is not None:
        stmt = stmt.where(tag_clause)
    rows, count = fetch_page(call.db, stmt.order_by(Snapshot.id), call, args)
    return ListResult(snapshot_items(call.db, [r[0] for r in rows]), count)


_SNAP_ID = Param("id", U, required=True, entity="Snapshot", description="The ID of the snapshot")


@command(
    "deleteSnapshot",
    params=[_SNAP_ID],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="Snapshot",
    response_class="SuccessResponse",
)
def delete_snapshot(call: Call, args: Args) -> Enqueue:
    """Deletes a snapshot of a disk volume."""
    snap = owned_snapshot(call, args.id)
    if snap.state not in ("BackedUp", "Error"):
        raise InvalidParameter(f"Snapshot {snap.name} is {snap.state}; wait for it to finish")
    return Enqueue({"snap_id": snap.id}, instance_uuid=snap.uuid)


@delete_snapshot.execute
def _delete_snapshot(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    snapshots.discard(job.transaction, job.caller, int(payload["snap_id"]))
    return SuccessResult()


@command("revertSnapshot", params=[_SNAP_ID], kind=Kind.ASYNC, **SNAP)  # type: ignore[arg-type]
def revert_snapshot(call: Call, args: Args) -> Enqueue:
    """This is supposed to revert a volume snapshot."""
    snap = owned_snapshot(call, args.id)
    snapshots.check_revert(call.db, snap)
    return Enqueue({"snap_id": snap.id}, instance_uuid=snap.uuid)


@revert_snapshot.execute
def _revert_snapshot(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    snap_id = int(payload["snap_id"])

    def plan_of(s: Session) -> dict[str, Any]:
        snap = s.get(Snapshot, snap_id)
        assert snap is not None
        return snapshots.check_revert(s, snap)

    plan = job.transaction(plan_of)
    answer = registry.driver_for(plan["hv"]).revert_snapshot(
        spec_from_json(plan["pool"]), plan["path"], plan["snap"]
    )
    if not answer.ok:
        raise OperationFailed(f"Unable to revert to the snapshot: {answer.details}")

    def done(s: Session) -> None:
        snap = s.get(Snapshot, snap_id)
        assert snap is not None
        snapshots.record(s, job.caller, snap, "SNAPSHOT.REVERT", "Reverted volume to snapshot")

    job.transaction(done)
    return _result(job, snap_id)


def policy_view(session: Session, p: SnapshotPolicy) -> dict[str, Any]:
    vol = session.get(Volume, p.volume_id)
    return {
        "id": p.uuid,
        "volumeid": vol.uuid if vol else None,
        "intervaltype": ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"].index(p.interval_type),
        "schedule": p.schedule,
        "timezone": p.timezone,
        "maxsnaps": p.max_snaps,
        "fordisplay": p.for_display,
        "tags": [],
    }


@command(
    "createSnapshotPolicy",
    params=[
        Param("volumeid", U, required=True, entity="Volume", description="the ID of the disk"),
        Param("intervaltype", S, required=True, description="HOURLY, DAILY, WEEKLY or MONTHLY"),
        Param("schedule", S, required=True, description="time the snapshot is scheduled"),
        Param("timezone", S, required=True, description="timezone of the schedule"),
        Param("maxsnaps", INT, required=True, description="maximum snapshots to retain"),
        Param("fordisplay", B, since="4.4", description="display the policy to the end user"),
    ],
    roles=ALL_ROLES,
    object_name="snapshotpolicy",
    response_class="SnapshotPolicyResponse",
)
def create_policy(call: Call, args: Args) -> ObjectResult:
    """Creates a snapshot policy for the account."""
    vol = owned_volume(call, args.volumeid)
    policy = snapshots.create_policy(
        call.db, call.caller, vol, args.intervaltype, args.schedule, args.timezone, args.maxsnaps
    )
    if args.fordisplay is not None:
        policy.for_display = args.fordisplay
    return ObjectResult(policy_view(call.db, policy))


@command(
    "listSnapshotPolicies",
    params=[
        Param("volumeid", U, entity="Volume", description="the ID of the disk volume"),
        Param("id", U, entity="SnapshotPolicy", description="the ID of the snapshot policy"),
        *list_owner(project=False),
    ],
    roles=ALL_ROLES,
    object_name="snapshotpolicy",
    response_class="SnapshotPolicyResponse",
    is_list=True,
)
def list_policies(call: Call, args: Args) -> ListResult:
    """Lists snapshot policies."""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(SnapshotPolicy).where(
        SnapshotPolicy.removed.is_(None),
        scope.where(
            SnapshotPolicy.account_id, SnapshotPolicy.domain_id, SnapshotPolicy.domain_path
        ),
    )
    if args.volumeid is not None:
        stmt = stmt.where(SnapshotPolicy.volume_id == args.volumeid.id)
    if args.id is not None:
        stmt = stmt.where(SnapshotPolicy.id == args.id.id)
    rows, count = fetch_page(call.db, stmt.order_by(SnapshotPolicy.id), call, args)
    return ListResult([policy_view(call.db, r[0]) for r in rows], count)


@command(
    "deleteSnapshotPolicies",
    params=[
        Param("id", U, entity="SnapshotPolicy", description="the Id of the snapshot policy"),
        Param(
            "ids",
            ParamType.LIST,
            collection=U,
            entity="SnapshotPolicy",
            description="list of snapshots policy IDs separated by comma",
        ),
    ],
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_policies(call: Call, args: Args) -> SuccessResult:
    """Deletes snapshot policies for the account."""
    chosen = ([args.id] if args.id is not None else []) + list(args.ids or [])
    if not chosen:
        raise InvalidParameter("Give id or ids of the snapshot policies to delete")
    for policy in chosen:
        _check_policy(call.caller, policy)
        policy.mark_removed()
        events.record(
            call.db,
            call.caller,
            "SNAPSHOTPOLICY.DELETE",
            "Deleted snapshot policy",
            resource_type="SnapshotPolicy",
            resource_uuid=policy.uuid,
        )
    return SuccessResult()


def _check_policy(caller: Caller, policy: SnapshotPolicy) -> None:
    if policy.removed is not None:
        raise InvalidParameter(f"Snapshot policy {policy.uuid} is already deleted")
    if policy.account_id != caller.account_id and not (
        caller.is_admin and caller.can_see_domain_path(policy.domain_path)
    ):
        raise PermissionDenied(f"Account {caller.account_name} may not delete that policy")


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
create_snapshot.not_supported(
    Param("account", ParamType.STRING),
    Param("asyncbackup", ParamType.BOOLEAN),
    Param("domainid", ParamType.UUID),
    Param("locationtype", ParamType.STRING),
    Param("policyid", ParamType.UUID),
    Param("quiescevm", ParamType.BOOLEAN),
    Param("storageids", ParamType.LIST, collection=ParamType.UUID, since="4.21.0"),
    Param("tags", ParamType.MAP),
    Param("usestoragereplication", ParamType.BOOLEAN),
    Param("zoneids", ParamType.LIST, collection=ParamType.UUID, since="4.19.0"),
)
create_policy.not_supported(
    Param("storageids", ParamType.LIST, collection=ParamType.UUID, since="4.21.0"),
    Param("tags", ParamType.MAP),
    Param("usestoragereplication", ParamType.BOOLEAN, since="4.21.0"),
    Param("zoneids", ParamType.LIST, collection=ParamType.UUID),
)
delete_snapshot.not_supported(
    Param("zoneid", ParamType.UUID, since="4.19.0"),
)
list_policies.not_supported(
    Param("fordisplay", ParamType.BOOLEAN, since="4.4"),
    Param("projectid", ParamType.UUID, entity="Project"),
)
list_snapshots.not_supported(
    Param("imagestoreid", ParamType.UUID, since="4.19"),
    Param("locationtype", ParamType.STRING, since="4.19.0"),
    Param("showunique", ParamType.BOOLEAN, since="4.19.0"),
    Param("storageid", ParamType.UUID, since="4.19"),
)
