"""Affinity group commands (§6.11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.domain import pretty_path
from cumulo.db.models.account import Account
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import affinity_groups
from cumulo.services.offering_scope import refuse_filters
from cumulo.services.resource_owner import resolve_owner

OWNER_PARAMS = [
    Param(
        "account",
        STRING,
        description="an account for the affinity group. Must be used with domainId.",
    ),
    Param(
        "domainid",
        UUID,
        entity="Domain",
        description="domainId of the account owning the affinity group",
    ),
    Param("projectid", UUID, entity="Project", description="create affinity group for project"),
]


def group_view(group: AffinityGroup, account: Account, domain: Domain) -> dict[str, Any]:
    return {
        "id": group.uuid,
        "name": group.name,
        "description": group.description,
        "account": account.name,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
        "type": group.type,
        "virtualmachineIds": [],
    }


def _result(session: Session, group_id: object) -> ObjectResult:
    group = session.get(AffinityGroup, group_id)
    assert group is not None
    account, domain = session.get(Account, group.account_id), session.get(Domain, group.domain_id)
    assert account is not None and domain is not None
    return ObjectResult(group_view(group, account, domain))


@command(
    "createAffinityGroup",
    params=[
        Param("name", STRING, required=True, description="name of the affinity group"),
        Param(
            "type",
            STRING,
            required=True,
            description="Type of the affinity group from the "
            "available affinity/anti-affinity group types",
        ),
        Param("description", STRING, description="optional description of the affinity group"),
        *OWNER_PARAMS,
    ],
    kind=Kind.ASYNC_CREATE,
    roles=ALL_ROLES,
    instance_type="AffinityGroup",
    object_name="affinitygroup",
    response_class="AffinityGroupResponse",
)
def create_affinity_group(call: Call, args: Args) -> Enqueue:
    """Creates an affinity/anti-affinity group"""
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    group = affinity_groups.create(
        call.db, call.caller, owner, args.name, args.type, args.description
    )
    return Enqueue({"group_id": group.id}, instance_uuid=group.uuid)


@create_affinity_group.execute
def _create_affinity_group(job: JobRun, payload: dict[str, object]) -> ObjectResult:
    return job.transaction(lambda s: _result(s, payload["group_id"]))


@command(
    "deleteAffinityGroup",
    params=[
        Param(
            "id",
            UUID,
            entity="AffinityGroup",
            description="The ID of the affinity group. Mutually exclusive with name parameter",
        ),
        Param(
            "name",
            STRING,
            description="The name of the affinity group. Mutually exclusive with ID parameter",
        ),
        *OWNER_PARAMS,
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="AffinityGroup",
    response_class="SuccessResponse",
)
def delete_affinity_group(call: Call, args: Args) -> Enqueue:
    """Deletes affinity group"""
    group = _target(call, args)
    affinity_groups.check_deletable(call.db, group)
    return Enqueue({"group_id": group.id}, instance_uuid=group.uuid)


def _target(call: Call, args: Args) -> AffinityGroup:
    if (args.id is None) == (args.name is None):
        raise InvalidParameter("Either the affinity group id or name must be specified, not both")
    if args.id is not None:
        group: AffinityGroup = args.id
        if (not call.caller.is_admin and group.account_id != call.caller.account_id) or (
            call.caller.is_admin and not call.caller.can_see_domain_path(group.domain_path)
        ):
            raise PermissionDenied(
                f"Account {call.caller.account_name} may not delete affinity group {group.uuid}"
            )
        return group
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    found = affinity_groups.find(call.db, owner.account_id, args.name)
    if found is None:
        raise InvalidParameter(
            f"Unable to find affinity group by name {args.name} for account {owner.account.name}"
        )
    return found


@delete_affinity_group.execute
def _delete_affinity_group(job: JobRun, payload: dict[str, object]) -> SuccessResult:
    def work(session: Session) -> None:
        group = session.get(AffinityGroup, payload["group_id"])
        if group is not None:  # already gone when a surviving node re-runs the job
            affinity_groups.delete(session, job.caller, group)

    job.transaction(work)
    return SuccessResult()


@command(
    "listAffinityGroups",
    params=[
        Param(
            "id",
            UUID,
            entity="AffinityGroup",
            description="list the affinity group by the ID provided",
        ),
        Param("name", STRING, description="lists affinity groups by name"),
        Param("type", STRING, description="lists affinity groups by type"),
        Param("virtualmachineid", UUID, description="lists affinity groups by virtual machine ID"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="affinitygroup",
    response_class="AffinityGroupResponse",
)
def list_affinity_groups(call: Call, args: Args) -> ListResult:
    """Lists affinity groups"""
    G = AffinityGroup
    # Membership arrives with VMs (updateVMAffinityGroup); until then no id can match.
    refuse_filters(args.as_dict(), "virtualmachineid")
    clause = list_scope(call.db, call.caller, args).where(G.account_id, G.domain_id, G.domain_path)
    if args.account is None and args.projectid is None:
        clause = or_(clause, _domain_wide(call.caller.domain_path))
    stmt = (
        select(G, Account, Domain)
        .join(Account, Account.id == G.account_id)
        .join(Domain, Domain.id == G.domain_id)
        .where(clause)
    )
    if args.id is not None:
        stmt = stmt.where(G.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(G.name == args.name)
    if args.type is not None:
        stmt = stmt.where(func.lower(G.type) == args.type.strip().lower())
    if args.keyword:
        stmt = stmt.where(G.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(G.id), call, args)
    return ListResult([group_view(g, a, d) for g, a, d in rows], count)


def _domain_wide(path: str) -> ColumnElement[bool]:
    """Domain-wide groups (ExplicitDedication of a domain) of the caller's domain or above."""
    parts = path.strip("/").split("/") if path != "/" else []
    ancestors = ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return and_(AffinityGroup.acl_type == "Domain", AffinityGroup.domain_path.in_(ancestors))


@command(
    "listAffinityGroupTypes",
    params=[],
    roles=ALL_ROLES,
    is_list=True,
    object_name="affinityGroupType",
    response_class="AffinityGroupTypeResponse",
)
def list_affinity_group_types(call: Call, args: Args) -> ListResult:
    """Lists affinity group types available"""
    items = [{"type": t} for t in affinity_groups.TYPES]
    return ListResult(items, len(items))
