"""Management servers (§6.12) and CloudStack's safe-shutdown commands (4.19).

A node follows its own ``management_server`` row: these commands, sent to
any node, change the target's state there and the target acts on it at its
next heartbeat (about a second).
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult
from cumulo.api.views.management_server import (
    maintenance_view,
    management_server_view,
    peer_view,
)
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.job import AsyncJob, JobStatus
from cumulo.errors import InvalidParameter

UP, PREPARING, READY, SHUTTING_DOWN = (
    "Up",
    "PreparingForShutDown",
    "ReadyToShutDown",
    "ShuttingDown",
)


def _pending(session: Session, msids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(AsyncJob.owner_msid, func.count())
        .where(AsyncJob.owner_msid.in_(msids), AsyncJob.status == JobStatus.IN_PROGRESS)
        .group_by(AsyncJob.owner_msid)
    )
    return {msid: n for msid, n in rows if msid is not None}


@command(
    "listManagementServers",
    params=[
        Param("id", UUID, entity="ManagementServer", description="the id of the management server"),
        Param("name", STRING, description="the name of the management server"),
        Param(
            "peers",
            BOOLEAN,
            since="4.20.1.0",
            description="Whether to return the management server peers (default false)",
        ),
    ],
    is_list=True,
    object_name="managementserver",
    response_class="ManagementServerResponse",
)
def list_management_servers(call: Call, args: Args) -> ListResult:
    """Lists management servers."""
    stmt = select(ManagementServer).where(ManagementServer.removed.is_(None))
    if args.id is not None:
        stmt = stmt.where(ManagementServer.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(ManagementServer.name == args.name)
    if args.keyword:
        stmt = stmt.where(ManagementServer.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(ManagementServer.id), call, args)
    nodes = [r[0] for r in rows]
    pending = _pending(call.db, [n.msid for n in nodes])
    everyone: list[ManagementServer] = []
    if args.peers:
        everyone = list(
            call.db.execute(
                select(ManagementServer).where(ManagementServer.removed.is_(None))
            ).scalars()
        )
    items = []
    for node in nodes:
        peers = [peer_view(p) for p in everyone if p.id != node.id] if args.peers else None
        items.append(management_server_view(node, pending.get(node.msid, 0), peers))
    return ListResult(items, count)


def _target(call: Call, args: Args) -> ManagementServer:
    node: ManagementServer = args.managementserverid
    if node.removed is not None:
        raise InvalidParameter(f"Management server {node.uuid} has been removed")
    return node


def _answer(call: Call, node: ManagementServer) -> ObjectResult:
    call.db.refresh(node)
    return ObjectResult(maintenance_view(node, _pending(call.db, [node.msid]).get(node.msid, 0)))


def _move(call: Call, node: ManagementServer, allowed: tuple[str, ...], to: str) -> None:
    """Conditional UPDATE: the node may change its own state concurrently."""
    res = call.db.execute(
        update(ManagementServer)
        .where(ManagementServer.id == node.id, ManagementServer.state.in_(allowed))
        .values(state=to)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        call.db.refresh(node)
        raise InvalidParameter(
            f"Management server {node.name} is {node.state}; this is possible only when it is "
            + " or ".join(allowed)
        )


MSID_PARAM = Param(
    "managementserverid",
    UUID,
    required=True,
    entity="ManagementServer",
    description="the uuid of the management server",
)


@command(
    "prepareForShutdown",
    params=[MSID_PARAM],
    object_name="prepareforshutdown",
    response_class="ManagementServerMaintenanceResponse",
    since="4.19.0",
    read_only=False,
)
def prepare_for_shutdown(call: Call, args: Args) -> ObjectResult:
    """Prepares CloudStack for a safe manual shutdown by preventing new jobs from being accepted"""
    node = _target(call, args)
    if node.state != PREPARING:
        _move(call, node, (UP, READY), PREPARING)
    return _answer(call, node)


@command(
    "cancelShutdown",
    params=[MSID_PARAM],
    object_name="cancelshutdown",
    response_class="ManagementServerMaintenanceResponse",
    since="4.19.0",
    read_only=False,
)
def cancel_shutdown(call: Call, args: Args) -> ObjectResult:
    """Cancels a triggered shutdown"""
    node = _target(call, args)
    _move(call, node, (PREPARING, READY, SHUTTING_DOWN), UP)
    return _answer(call, node)


@command(
    "triggerShutdown",
    params=[MSID_PARAM],
    object_name="triggershutdown",
    response_class="ManagementServerMaintenanceResponse",
    since="4.19.0",
    read_only=False,
    description="Triggers an automatic safe shutdown of CloudStack by not accepting new jobs "
    "and shutting down when all pending jobs have been completed.",
)
def trigger_shutdown(call: Call, args: Args) -> ObjectResult:
    """Triggers a safe shutdown of a management server."""
    node = _target(call, args)
    if node.state != SHUTTING_DOWN:
        _move(call, node, (UP, PREPARING, READY), SHUTTING_DOWN)
    return _answer(call, node)


@command(
    "readyForShutdown",
    params=[MSID_PARAM],
    object_name="readyforshutdown",
    response_class="ManagementServerMaintenanceResponse",
    since="4.19.0",
    description="Returns the status of CloudStack, whether a shutdown has been triggered and "
    "if ready to shutdown",
)
def ready_for_shutdown(call: Call, args: Args) -> ObjectResult:
    """Reports whether a management server may be shut down now."""
    return _answer(call, _target(call, args))
