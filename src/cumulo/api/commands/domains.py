"""Domain commands (§6.2)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.envelope import WireList
from cumulo.api.paging import PagedQuery, fetch_page, like_escaped
from cumulo.api.params import BOOLEAN, INTEGER, LIST, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMINS, DOMAIN_ADMINS
from cumulo.api.scope import check_domain_access
from cumulo.api.views.domain import DOMAIN_VIEW_COLUMNS, domain_fields, domain_view
from cumulo.api.views.resource_limit import limit_fields
from cumulo.db.models.domain import Domain
from cumulo.jobs.context import JobRun
from cumulo.services import domain_moves, domains, limits

# Page rows as plain Core columns: list pages build no ORM entities. The
# parent's uuid and name are scalar subqueries rather than a join, so the page
# count (fetch_page) is a bare COUNT(*) over the domain table.
_D = Domain.__table__
_P = _D.alias("parent")
_PARENT_UUID = select(_P.c.uuid).where(_P.c.id == _D.c.parent_id).scalar_subquery()
_PARENT_NAME = select(_P.c.name).where(_P.c.id == _D.c.parent_id).scalar_subquery()
_LIST_COLUMNS = (
    *(_D.c[name] for name in DOMAIN_VIEW_COLUMNS),
    _PARENT_UUID.label("parent_uuid"),
    _PARENT_NAME.label("parent_name"),
)


def _page_query() -> Select:  # type: ignore[type-arg]
    return select(*_LIST_COLUMNS).where(_D.c.removed.is_(None))


# listDomains filters, each a bound parameter of the same name.
_FILTERS = ("id", "under", "name", "level", "keyword")


@lru_cache(maxsize=32)
def _list_query(*present: bool) -> PagedQuery:
    """The listDomains query with the filters present (in _FILTERS order), built once."""
    stmt = _page_query()
    conditions = {
        "id": _D.c.id == bindparam("id"),
        "under": _D.c.path.like(bindparam("under"), escape="/"),
        "name": _D.c.name == bindparam("name"),
        "level": _D.c.level == bindparam("level"),
        "keyword": _D.c.name.like(bindparam("keyword"), escape="/"),
    }
    for key, used in zip(_FILTERS, present, strict=True):
        if used:
            stmt = stmt.where(conditions[key])
    return PagedQuery(stmt.order_by(_D.c.path, _D.c.id))


def _with_limits(call: Call, views: list[tuple[int, dict[str, Any]]]) -> WireList:
    """DomainResponses with their limit/total/available fields (one query per page)."""
    found = limits.domain_limits_many(call.db, call.runtime.config, [i for i, _v in views])
    for domain_id, fields in views:
        fields.update(limit_fields(*found[domain_id]))
    return WireList(fields for _i, fields in views)


def _view(call: Call, domain: Domain) -> ObjectResult:
    parent = call.db.get(Domain, domain.parent_id) if domain.parent_id else None
    return ObjectResult(_with_limits(call, [(domain.id, domain_view(domain, parent))])[0])


def _row_views(rows: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(r.id, domain_fields(r, r.parent_uuid, r.parent_name)) for r in rows]


@command(
    "createDomain",
    params=[
        Param("name", STRING, required=True, description="creates domain with this name"),
        Param(
            "parentdomainid",
            UUID,
            entity="Domain",
            description="assigns new domain a parent domain by domain ID of the parent",
        ),
        Param("networkdomain", STRING, description="Network domain for networks in the domain"),
        Param(
            "domainid",
            STRING,
            description="Domain UUID, required for adding domain from another Region",
        ),
    ],
    roles=DOMAIN_ADMINS,
    object_name="domain",
    response_class="DomainResponse",
)
def create_domain(call: Call, args: Args) -> ObjectResult:
    """Creates a domain"""
    domain = domains.create(
        call.db,
        call.caller,
        args.name,
        args.parentdomainid,
        network_domain=args.networkdomain,
        uuid=args.domainid,
    )
    return _view(call, domain)


@command(
    "updateDomain",
    params=[
        Param("id", UUID, required=True, entity="Domain", description="ID of domain to update"),
        Param("name", STRING, description="updates domain with this name"),
        Param("networkdomain", STRING, description="Network domain for the domain's networks"),
    ],
    roles=DOMAIN_ADMINS,
    object_name="domain",
    response_class="DomainResponse",
)
def update_domain(call: Call, args: Args) -> ObjectResult:
    """Updates a domain with a new name"""
    domain = domains.rename(call.db, call.caller, args.id, args.name, args.networkdomain)
    return _view(call, domain)


@command(
    "deleteDomain",
    params=[
        Param("id", UUID, required=True, entity="Domain", description="ID of domain to delete"),
        Param(
            "cleanup",
            BOOLEAN,
            description="true if all domain resources (child domains, "
            "accounts) have to be cleaned up, false otherwise",
        ),
    ],
    kind=Kind.ASYNC,
    roles=DOMAIN_ADMINS,
    instance_type="Domain",
    response_class="SuccessResponse",
    resumable=True,
)
def delete_domain(call: Call, args: Args) -> Enqueue:
    """Deletes a specified domain"""
    domain: Domain = args.id
    domains.check_deletable(call.db, call.caller, domain, bool(args.cleanup))
    return Enqueue(
        {"domain_id": domain.id, "cleanup": bool(args.cleanup)}, instance_uuid=domain.uuid
    )


# Subdomains removed per transaction: short transactions, and a crash loses little.
DELETE_BATCH = 25


@delete_domain.execute
def _delete_domain(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    """Resumable: the subtree goes in batches, the domain itself exactly once."""
    domain_id = int(payload["domain_id"])

    def batch(session: Session) -> int:
        domain = session.get(Domain, domain_id)
        assert domain is not None
        return domains.delete_batch(session, job.caller, domain, DELETE_BATCH)

    if payload["cleanup"] and "deleted" not in job.checkpoint:
        while job.transaction(batch):
            pass

    def delete(session: Session) -> bool:
        domain = session.get(Domain, domain_id)
        assert domain is not None
        domains.delete(session, job.caller, domain, bool(payload["cleanup"]))
        return True

    job.transaction_step("deleted", delete)
    return SuccessResult()


@delete_domain.compensate
def _undo_delete_domain(job: JobRun, payload: dict[str, Any]) -> str:
    """Only reached when the job was interrupted too often: report what is left."""

    def left(session: Session) -> str:
        domain = session.get(Domain, int(payload["domain_id"]))
        if domain is None or domain.removed is not None:
            return "The domain was deleted"
        children = session.execute(
            select(func.count())
            .select_from(Domain)
            .where(
                Domain.path.startswith(domain.path, autoescape=True),
                Domain.id != domain.id,
                Domain.removed.is_(None),
            )
        ).scalar_one()
        return (
            f"Domain {domain.name} is still {domain.state} with {children} subdomain(s) left; "
            "call deleteDomain again to finish"
        )

    return job.transaction(left)


@command(
    "listDomains",
    params=[
        Param("id", UUID, entity="Domain", description="List domain by domain ID."),
        Param("name", STRING, description="List domain by domain name."),
        Param("level", INTEGER, description="List domains by domain level."),
        Param(
            "listall",
            BOOLEAN,
            description="If set to false, list only resources belonging to "
            "the command's caller; if set to true - list "
            "resources that the caller is authorized to see.",
        ),
        Param(
            "details",
            LIST,
            collection=STRING,
            description="comma separated list of domain details requested",
        ),
        Param("showicon", BOOLEAN, description="flag to display the resource icon for domains"),
        Param("tag", STRING, description="Tag for resource type to return usage", since="4.20.0"),
    ],
    roles=ADMINS,
    is_list=True,
    object_name="domain",
    response_class="DomainResponse",
)
def list_domains(call: Call, args: Args) -> ListResult:
    """Lists domains and provides detailed information for listed domains"""
    caller = call.caller
    values: dict[str, Any] = {}
    if args.id is not None:
        check_domain_access(caller, args.id)
        values["id"] = args.id.id
    elif not args.listall:
        values["id"] = caller.domain_id
    elif caller.domain_path != "/":  # everything is under ROOT: no filter to evaluate
        values["under"] = like_escaped(caller.domain_path) + "%"
    if args.name is not None:
        values["name"] = args.name
    if args.level is not None:
        values["level"] = args.level
    if args.keyword:
        values["keyword"] = "%" + like_escaped(args.keyword) + "%"
    query = _list_query(*(key in values for key in _FILTERS))
    rows, count = fetch_page(call.db, query, call, args, values)
    details = {d.lower() for d in (args.details or [])}
    if details and details <= {"min"}:
        return ListResult(WireList(fields for _i, fields in _row_views(rows)), count)
    return ListResult(_with_limits(call, _row_views(rows)), count)


@command(
    "listDomainChildren",
    params=[
        Param("id", UUID, entity="Domain", description="list children of this domain"),
        Param("name", STRING, description="list children domains by name"),
        Param(
            "isrecursive",
            BOOLEAN,
            description="to return the entire tree, use the value "
            '"true". To return the first level children, '
            'use the value "false".',
        ),
        Param(
            "listall",
            BOOLEAN,
            description="If set to false, list only resources belonging to the command's caller",
        ),
        Param("showicon", BOOLEAN, description="flag to display the resource icon for domains"),
    ],
    roles=ADMINS,
    is_list=True,
    object_name="domain",
    response_class="DomainResponse",
)
def list_domain_children(call: Call, args: Args) -> ListResult:
    """Lists all children domains belonging to a specified domain"""
    parent: Domain | None = args.id
    if parent is None:
        parent = call.db.get(Domain, call.caller.domain_id)
    assert parent is not None
    check_domain_access(call.caller, parent)
    stmt = _page_query()
    if args.isrecursive or args.listall:
        stmt = stmt.where(_D.c.path.startswith(parent.path, autoescape=True), _D.c.id != parent.id)
    else:
        stmt = stmt.where(_D.c.parent_id == parent.id)
    if args.name is not None:
        stmt = stmt.where(_D.c.name == args.name)
    if args.keyword:
        stmt = stmt.where(_D.c.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(_D.c.path, _D.c.id), call, args)
    return ListResult(WireList(fields for _i, fields in _row_views(rows)), count)


@command(
    "moveDomain",
    params=[
        Param("domainid", UUID, required=True, entity="Domain", description="Domain to move"),
        Param("parentdomainid", UUID, required=True, entity="Domain", description="Its new parent"),
    ],
    object_name="domain",
    response_class="DomainResponse",
    since="4.19.0.0",
)
def move_domain(call: Call, args: Args) -> ObjectResult:
    """Moves a domain and its children to a new parent domain."""
    moved = domain_moves.move_domain(
        call.db, call.runtime.config, call.caller, args.domainid, args.parentdomainid
    )
    return _view(call, moved)
