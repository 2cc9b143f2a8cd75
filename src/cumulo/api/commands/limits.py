"""Resource limit and count commands (§6.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import page_window
from cumulo.api.params import INTEGER, LONG, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult
from cumulo.api.roles import ADMINS, ALL_ROLES
from cumulo.api.scope import check_domain_access, find_account
from cumulo.api.views.resource_limit import owner_fields, resource_count_view, resource_limit_view
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project
from cumulo.db.models.resource_limit import ResourceLimit
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import events, limits, ownership, projects


@dataclass(frozen=True)
class Target:
    """An account (possibly a project's) or a domain, with its wire owner fields."""

    owner_type: str
    owner_id: int
    domain: Domain
    fields: dict[str, Any]
    account: Account | None = None


def _account_target(call: Call, account: Account, project: Project | None = None) -> Target:
    domain = ownership.domain_of(call.db, account)
    project_fields = (project.uuid, project.name) if project else None
    return Target(
        limits.ACCOUNT,
        account.id,
        domain,
        owner_fields(domain, account=account.name, project=project_fields),
        account,
    )


def _resolve(call: Call, args: Args, *, manage: bool) -> Target:
    """``projectid``, ``account`` (+ ``domainid``), ``domainid``; else the caller's account."""
    caller = call.caller
    domain: Domain | None = args.get("domainid")
    if domain is not None:
        check_domain_access(caller, domain)
    project = args.get("projectid")
    if isinstance(project, Project):
        (projects.check_manage if manage else projects.check_read)(call.db, caller, project)
        account = call.db.get(Account, project.account_id)
        assert account is not None
        return _account_target(call, account, project)
    if args.get("account"):
        account = find_account(call.db, args.account, domain.id if domain else caller.domain_id)
        (ownership.check_manage if manage else ownership.check_read)(call.db, caller, account)
        return _account_target(call, account)
    if domain is not None:
        if not caller.is_admin:
            raise PermissionDenied("Only administrators may read or change domain limits")
        if manage and not caller.is_root_admin and domain.path == caller.domain_path:
            raise PermissionDenied("A domain admin cannot change the limits of its own domain")
        return Target(limits.DOMAIN, domain.id, domain, owner_fields(domain))
    if manage:
        raise InvalidParameter("Give account (with domainid), domainid or projectid")
    account = call.db.get(Account, caller.account_id)
    assert account is not None
    return _account_target(call, account)


def _effective(call: Call, target: Target) -> dict[int, int]:
    if target.account is not None:
        return limits.account_limits(call.db, call.runtime.config, target.account)
    return limits.domain_limits(call.db, call.runtime.config, target.domain)


def _parent_limits(call: Call, target: Target) -> dict[int, int] | None:
    """The limits a new value may not exceed: the account's domain, or the parent domain."""
    if target.account is not None:
        return limits.domain_limits(call.db, call.runtime.config, target.domain)
    if target.domain.parent_id is None:
        return None
    parent = call.db.get(Domain, target.domain.parent_id)
    assert parent is not None
    return limits.domain_limits(call.db, call.runtime.config, parent)


@command(
    "updateResourceLimit",
    params=[
        Param("resourcetype", INTEGER, required=True, description="Type of resource to update"),
        Param("max", LONG, description="Maximum resource limit; -1 for unlimited"),
        Param("account", STRING, description="Update the limit of this account (with domainid)"),
        Param("domainid", UUID, entity="Domain", description="Update the limit of this domain"),
        Param("projectid", UUID, entity="Project", description="Update the limit of a project"),
        Param("tag", STRING, since="4.20.0", description="Tag for the resource type"),
    ],
    roles=ADMINS,
    object_name="resourcelimit",
    response_class="ResourceLimitResponse",
)
def update_resource_limit(call: Call, args: Args) -> ObjectResult:
    """Updates resource limits for an account or domain."""
    kind = limits.kind(args.resourcetype)
    maximum = -1 if args.max is None else args.max
    if maximum < -1:
        raise InvalidParameter("max must be -1 (unlimited) or a number of 0 or more")
    target = _resolve(call, args, manage=True)
    parent = _parent_limits(call, target)
    bound = parent[kind.number] if parent else -1
    if bound >= 0 and (maximum == -1 or maximum > bound):
        raise InvalidParameter(
            f"The {kind.name} limit {maximum} exceeds the limit {bound} of the domain above; "
            "raise that first"
        )
    limits.set_limit(call.db, target.owner_type, target.owner_id, kind.number, maximum)
    events.record(
        call.db,
        call.caller,
        "RESOURCE.LIMIT.UPDATE",
        f"{kind.name} limit of {target.owner_type} {target.owner_id} set to {maximum}",
        resource_type=target.owner_type.capitalize(),
        account_id=target.account.id if target.account else None,
        domain_id=target.domain.id,
        domain_path=target.domain.path,
    )
    return ObjectResult(resource_limit_view(kind, maximum, target.fields))


@command(
    "listResourceLimits",
    params=[
        Param("id", LONG, description="Lists resource limits by ID."),
        Param("resourcetype", INTEGER, description="Type of resource (0 user_vm ... 11)"),
        Param("resourcetypename", STRING, description="Type of resource by name: user_vm ..."),
        *LIST_OWNER,
        Param("tag", STRING, since="4.20.0", description="Tag for the resource type"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="resourcelimit",
    response_class="ResourceLimitResponse",
)
def list_resource_limits(call: Call, args: Args) -> ListResult:
    """Lists resource limits."""
    target = _resolve(call, args, manage=False)
    kinds = list(limits.KINDS)
    if args.resourcetype is not None:
        kinds = [limits.kind(args.resourcetype)]
    if args.resourcetypename is not None:
        wanted = limits.kind_by_name(args.resourcetypename)
        kinds = [k for k in kinds if k == wanted]
    if args.id is not None:
        row = call.db.execute(
            select(ResourceLimit.resource_type).where(
                ResourceLimit.id == args.id,
                ResourceLimit.owner_type == target.owner_type,
                ResourceLimit.owner_id == target.owner_id,
            )
        ).scalar()
        kinds = [k for k in kinds if k.number == row]
    effective = _effective(call, target)
    items = [resource_limit_view(k, effective[k.number], target.fields) for k in kinds]
    offset, size = page_window(call, args)
    page = items[offset : offset + size if size is not None else None]
    return ListResult(page, len(items))


@command(
    "updateResourceCount",
    params=[
        Param("domainid", UUID, required=True, entity="Domain", description="Domain to recount"),
        Param("account", STRING, description="Recount this account of the domain"),
        Param("projectid", UUID, entity="Project", description="Recount this project"),
        Param("resourcetype", INTEGER, description="Type of resource to recount; all by default"),
        Param("tag", STRING, since="4.20.0", description="Tag for the resource type"),
    ],
    roles=ADMINS,
    object_name="resourcecount",
    response_class="ResourceCountResponse",
)
def update_resource_count(call: Call, args: Args) -> ListResult:
    """Recalculate and update resource count for an account or domain."""
    kinds = (
        [limits.kind(args.resourcetype)] if args.resourcetype is not None else list(limits.KINDS)
    )
    types = [k.number for k in kinds]
    target = _resolve(call, args, manage=False)
    if target.account is not None:
        found = limits.recalculate_account(call.db, target.account, types)
    else:
        found = limits.recalculate_domain(call.db, target.domain, types)
    events.record(
        call.db,
        call.caller,
        "RESOURCE.COUNT.UPDATE",
        f"Resource counts of {target.owner_type} {target.owner_id} recalculated",
        domain_id=target.domain.id,
        domain_path=target.domain.path,
    )
    items = [resource_count_view(k, found[k.number], target.fields) for k in kinds]
    return ListResult(items, len(items))
