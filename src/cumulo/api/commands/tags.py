"""Resource tag commands (§6.11)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import LIST, MAP, STRING, Param
from cumulo.api.results import Enqueue, ListResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.tag import tag_view
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.resource_tag import ResourceTag
from cumulo.jobs.context import JobRun
from cumulo.services import tags


@command(
    "createTags",
    params=[
        Param("resourcetype", STRING, required=True, description="type of the resource"),
        Param(
            "resourceids",
            LIST,
            required=True,
            collection=STRING,
            description="list of resources to create the tags for",
        ),
        Param("tags", MAP, required=True, description="Map of tags (key/value pairs)"),
        Param(
            "customer",
            STRING,
            description="identifies client specific tag. When the value is "
            "not null, the tag can't be used by cloudStack code internally",
        ),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def create_tags(call: Call, args: Args) -> Enqueue:
    """Creates resource tag(s)"""
    # Validate now so bad input fails the call itself; the job writes the rows.
    tags.check_new(call.db, call.caller, args.resourcetype, args.resourceids, args.tags)
    payload = {
        "type": args.resourcetype,
        "ids": args.resourceids,
        "tags": {str(k): v for k, v in args.tags.items()},
        "customer": args.customer,
    }
    return Enqueue(payload, instance_type=None)


@create_tags.execute
def _create_tags(job: JobRun, payload: dict) -> SuccessResult:  # type: ignore[type-arg]
    def work(session: Session) -> None:
        raw = {int(k): v for k, v in payload["tags"].items()}
        tags.create(session, job.caller, payload["type"], payload["ids"], raw, payload["customer"])

    job.transaction(work)
    return SuccessResult()


@command(
    "deleteTags",
    params=[
        Param("resourcetype", STRING, required=True, description="Delete tag by resource type"),
        Param(
            "resourceids",
            LIST,
            required=True,
            collection=STRING,
            description="Delete tags for resource id(s)",
        ),
        Param("tags", MAP, description="Delete tags matching key/value pairs"),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_tags(call: Call, args: Args) -> Enqueue:
    """Deleting resource tag(s)"""
    tags.targets(call.db, call.caller, args.resourcetype, args.resourceids)
    tags.parse_tags(args.tags, need_value=False)
    raw = {str(k): v for k, v in (args.tags or {}).items()}
    return Enqueue({"type": args.resourcetype, "ids": args.resourceids, "tags": raw})


@delete_tags.execute
def _delete_tags(job: JobRun, payload: dict) -> SuccessResult:  # type: ignore[type-arg]
    def work(session: Session) -> None:
        raw = {int(k): v for k, v in payload["tags"].items()}
        tags.remove(session, job.caller, payload["type"], payload["ids"], raw)

    job.transaction(work)
    return SuccessResult()


@command(
    "listTags",
    params=[
        Param("resourcetype", STRING, description="list by resource type"),
        Param("resourceid", STRING, description="list by resource id"),
        Param("key", STRING, description="list by key"),
        Param("value", STRING, description="list by value"),
        Param("customer", STRING, description="list by customer name"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="tag",
    response_class="ResourceTagResponse",
)
def list_tags(call: Call, args: Args) -> ListResult:
    """List resource tag(s)"""
    T = ResourceTag
    clause = list_scope(call.db, call.caller, args).where(T.account_id, T.domain_id, T.domain_path)
    stmt = (
        select(T, Account, Domain)
        .join(Account, Account.id == T.account_id)
        .join(Domain, Domain.id == T.domain_id)
        .where(clause)
    )
    if args.resourcetype is not None:
        stmt = stmt.where(T.resource_type == tags.taggable(args.resourcetype).resource_type)
    for value, column in (
        (args.resourceid, T.resource_uuid),
        (args.key, T.key),
        (args.value, T.value),
        (args.customer, T.customer),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if args.keyword:
        stmt = stmt.where(
            T.key.contains(args.keyword, autoescape=True)
            | T.value.contains(args.keyword, autoescape=True)
        )
    rows, count = fetch_page(call.db, stmt.order_by(T.id), call, args)
    return ListResult([tag_view(t, a, d) for t, a, d in rows], count)
