"""Alerts (§6.11): listAlerts, archiveAlerts, deleteAlerts, generateAlert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from cumulo.api.archive_params import selection_params
from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import SHORT, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY
from cumulo.api.views.alert import alert_view
from cumulo.db.models.alert import Alert
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import alerts


@command(
    "listAlerts",
    params=[
        Param("id", UUID, entity="Alert", description="the ID of the alert"),
        Param("name", STRING, description="list by alert name", since="4.3"),
        Param("type", STRING, description="list by alert type"),
    ],
    is_list=True,
    roles=ADMIN_ONLY,
    object_name="alert",
    response_class="AlertResponse",
)
def list_alerts(call: Call, args: Args) -> ListResult:
    """Lists all alerts."""
    stmt = select(Alert).where(Alert.archived.is_(False))
    if args.id is not None:
        stmt = stmt.where(Alert.id == args.id.id)
    if args.type:
        try:
            stmt = stmt.where(Alert.type == int(args.type))
        except ValueError:
            raise InvalidParameter(
                f"type must be an alert type number, not {args.type!r}"
            ) from None
    if args.name:
        stmt = stmt.where(Alert.name == args.name)
    if args.keyword:
        stmt = stmt.where(
            or_(
                Alert.subject.contains(args.keyword, autoescape=True),
                Alert.name.contains(args.keyword, autoescape=True),
            )
        )
    rows, count = fetch_page(
        call.db, stmt.order_by(Alert.created.desc(), Alert.id.desc()), call, args
    )
    return ListResult([alert_view(r[0]) for r in rows], count)


def _selection_params(verb: str) -> list[Param]:
    return selection_params("Alert", "alerts", verb)


def _selection(args: Args) -> tuple[Any, int | None, Any, Any]:
    if not (args.ids or args.type or args.startdate or args.enddate):
        raise InvalidParameter("either ids, type, startdate or enddate must be specified")
    if args.startdate and args.enddate and args.startdate > args.enddate:
        raise InvalidParameter("startdate must not be after enddate")
    kind = None
    if args.type:
        try:
            kind = int(args.type)
        except ValueError:
            raise InvalidParameter(
                f"type must be an alert type number, not {args.type!r}"
            ) from None
    return args.ids, kind, args.startdate, args.enddate


@command(
    "archiveAlerts",
    params=_selection_params("archive"),
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def archive_alerts(call: Call, args: Args) -> SuccessResult:
    """Archive one or more alerts."""
    alerts.archive(call.db, *_selection(args))
    return SuccessResult()


@command(
    "deleteAlerts",
    params=_selection_params("delete"),
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def delete_alerts(call: Call, args: Args) -> SuccessResult:
    """Delete one or more alerts."""
    alerts.remove(call.db, *_selection(args))
    return SuccessResult()


@command(
    "generateAlert",
    params=[
        Param("description", STRING, required=True, length=999, description="Alert description"),
        Param("name", STRING, required=True, description="Name of the alert"),
        Param("podid", UUID, entity="Pod", description="Pod id for which alert is generated"),
        Param("type", SHORT, required=True, description="Type of the alert"),
        Param("zoneid", UUID, entity="Zone", description="Zone id for which alert is generated"),
    ],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def generate_alert(call: Call, args: Args) -> Enqueue:
    """Generates an alert"""
    if args.type < 0:
        raise InvalidParameter(f"type must be a non-negative alert type number, not {args.type}")
    zone, pod = args.zoneid, args.podid
    if pod is not None and zone is not None and pod.zone_id != zone.id:
        raise InvalidParameter(f"Pod {pod.name} is not in zone {zone.name}")
    payload = {
        "type": args.type,
        "name": args.name,
        "description": args.description,
        "zone": zone.id if zone else (pod.zone_id if pod else None),
        "pod": pod.id if pod else None,
    }
    return Enqueue(payload)


@generate_alert.execute
def _generate_alert(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    job.transaction(
        lambda s: alerts.raise_alert(
            s, p["type"], p["zone"], p["pod"], None, p["description"], name=p["name"], repeat=True
        )
    )
    return SuccessResult()
