"""Events (§6.11): listEvents, listEventTypes, archiveEvents, deleteEvents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from cumulo.api.archive_params import selection_params
from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, DATE, INTEGER, STRING, UUID, Param
from cumulo.api.results import ListResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.event import event_view
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.event import Event
from cumulo.errors import InvalidParameter
from cumulo.services import events
from cumulo.services.event_types import EVENT_TYPES

STATES = ("Created", "Scheduled", "Started", "Completed")


def _names(call: Call, page: list[Event]) -> list[tuple[Any, ...]]:
    """The names each event shows, fetched for the page only: one query per kind, no joins
    on the (large) filtered and counted query."""

    def lookup(columns: Any, key: Any, ids: set[int | None]) -> dict[int | None, Any]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        return {
            row[0]: row[1:] for row in call.db.execute(select(key, *columns).where(key.in_(wanted)))
        }

    users = lookup((User.username,), User.id, {e.user_id for e in page})
    accounts = lookup((Account.name,), Account.id, {e.account_id for e in page})
    domains = lookup((Domain.uuid, Domain.name), Domain.id, {e.domain_id for e in page})
    parents = lookup((Event.uuid,), Event.id, {e.start_id for e in page})
    return [
        (
            e,
            users.get(e.user_id, (None,))[0],
            accounts.get(e.account_id, (None,))[0],
            *domains.get(e.domain_id, (None, None)),
            parents.get(e.start_id, (None,))[0],
        )
        for e in page
    ]


def _owner_filter(call: Call, args: Args, stmt: Select[Any]) -> Select[Any]:
    """Visibility: account/domain/listall/projectid, as every list command (api.scope)."""
    scope = list_scope(call.db, call.caller, args)
    return stmt.where(scope.where(Event.account_id, Event.domain_id, Event.domain_path))


def _filters(args: Args, stmt: Select[Any]) -> Select[Any]:
    if args.id is not None:
        stmt = stmt.where(Event.id == args.id.id)
    if args.startid is not None:
        stmt = stmt.where(or_(Event.id == args.startid.id, Event.start_id == args.startid.id))
    if args.type:
        stmt = stmt.where(Event.type == args.type)
    if args.level:
        stmt = stmt.where(Event.level == args.level.upper())
    if args.state:
        state = next((s for s in STATES if s.lower() == args.state.lower()), None)
        if state is None:
            raise InvalidParameter(
                f"Invalid state {args.state}; expected one of {', '.join(STATES)}"
            )
        stmt = stmt.where(Event.state == state)
    if args.startdate is not None:
        stmt = stmt.where(Event.created >= args.startdate)
    if args.enddate is not None:
        stmt = stmt.where(Event.created <= args.enddate)
    if args.resourceid is not None:
        if not args.resourcetype:
            raise InvalidParameter("resourcetype must be specified along with resourceid")
        stmt = stmt.where(Event.resource_uuid == args.resourceid)
    if args.resourcetype:
        stmt = stmt.where(Event.resource_type.ilike(args.resourcetype))
    if args.keyword:
        word = args.keyword
        stmt = stmt.where(
            or_(
                Event.type.contains(word, autoescape=True),
                Event.description.contains(word, autoescape=True),
                Event.level.contains(word, autoescape=True),
            )
        )
    return stmt.where(Event.archived.is_(bool(args.archived)))


@command(
    "listEvents",
    params=[
        *LIST_OWNER,
        Param(
            "archived",
            BOOLEAN,
            description="true to list archived events otherwise false",
            since="4.19.0",
        ),
        Param("duration", INTEGER, description="the duration of the event"),
        Param(
            "enddate",
            DATE,
            description="the end date range of the list you want to "
            'retrieve (use format "yyyy-MM-dd" or the new format "yyyy-MM-dd HH:mm:ss")',
        ),
        Param("entrytime", INTEGER, description="the time the event was entered"),
        Param("id", UUID, entity="Event", description="the ID of the event"),
        Param("level", STRING, description="the event level (INFO, WARN, ERROR)"),
        Param(
            "resourceid",
            STRING,
            description="the ID of the resource associated with the event",
            since="4.17.0",
        ),
        Param(
            "resourcetype",
            STRING,
            description="the type of the resource associated with the event",
            since="4.17.0",
        ),
        Param(
            "startdate",
            DATE,
            description="the start date range of the list you want to "
            'retrieve (use format "yyyy-MM-dd" or the new format "yyyy-MM-dd HH:mm:ss")',
        ),
        Param(
            "startid",
            UUID,
            entity="Event",
            description="the parent/start ID of the event, "
            "when provided this will list all the events with the start/parent ID including "
            "the parent event",
        ),
        Param("state", STRING, description="the state of the events", since="4.21.0"),
        Param("type", STRING, description="the event type (see event types)"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="event",
    response_class="EventResponse",
)
def list_events(call: Call, args: Args) -> ListResult:
    """A command to list events."""
    if args.duration is not None and args.entrytime is not None:
        # CloudStack's pending-event search is disabled and answers nothing; so do we.
        return ListResult([], 0)
    stmt = _filters(args, _owner_filter(call, args, select(Event)))
    if not call.caller.is_root_admin:
        stmt = stmt.where(Event.display.is_(True))
    stmt = stmt.order_by(Event.created.desc(), Event.id.desc())
    rows, count = fetch_page(call.db, stmt, call, args)
    return ListResult([event_view(*row) for row in _names(call, [r for (r,) in rows])], count)


@command(
    "listEventTypes",
    roles=ALL_ROLES,
    object_name="eventtype",
    response_class="EventTypeResponse",
)
def list_event_types(call: Call, args: Args) -> ListResult:
    """List Event Types"""
    return ListResult([{"name": name} for name in EVENT_TYPES], len(EVENT_TYPES))


def _selection_params(verb: str) -> list[Param]:
    return selection_params("Event", "events", verb)


@command(
    "archiveEvents",
    params=_selection_params("archive"),
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def archive_events(call: Call, args: Args) -> SuccessResult:
    """Archive one or more events."""
    chosen = events.select_owned(
        call.db, call.caller, args.ids, args.type, args.startdate, args.enddate
    )
    events.archive(call.db, chosen)
    return SuccessResult()


@command(
    "deleteEvents",
    params=_selection_params("delete"),
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_events(call: Call, args: Args) -> SuccessResult:
    """Delete one or more events."""
    chosen = events.select_owned(
        call.db, call.caller, args.ids, args.type, args.startdate, args.enddate
    )
    events.remove(call.db, chosen)
    return SuccessResult()
