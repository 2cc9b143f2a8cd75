"""Instance groups (CloudStack's vmgroup area): named sets of an account's VMs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.owner_params import LIST_OWNER, OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.domain import pretty_path
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.instance_group import InstanceGroup
from cumulo.db.models.project import Project
from cumulo.services import instance_groups
from cumulo.services.resource_owner import resolve_owner
from cumulo.services.vms.deploy import project_of

G = InstanceGroup
GROUP = {
    "object_name": "instancegroup",
    "response_class": "InstanceGroupResponse",
    "roles": ALL_ROLES,
}


def group_view(
    group: InstanceGroup, account: Account, domain: Domain, project: Project | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": group.uuid,
        "name": group.name,
        "created": group.created,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
        "hasannotations": False,
    }
    if project is not None:
        out.update(projectid=project.uuid, project=project.name)
    else:
        out["account"] = account.name
    return out


def _select() -> Any:
    return (
        select(G, Account, Domain, Project)
        .join(Account, Account.id == G.account_id)
        .join(Domain, Domain.id == G.domain_id)
        .outerjoin(Project, Project.id == G.project_id)
    )


def _result(session: Session, group: InstanceGroup) -> ObjectResult:
    row = session.execute(_select().where(G.id == group.id)).one()
    return ObjectResult(group_view(*row))


@command(
    "createInstanceGroup",
    params=[
        Param("name", STRING, required=True, description="the name of the instance group"),
        *OWNER,
    ],
    **GROUP,  # type: ignore[arg-type]
)
def create_instance_group(call: Call, args: Args) -> ObjectResult:
    """Creates a vm group"""
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    group = instance_groups.create(call.db, owner, args.name, project_of(call.db, owner))
    return _result(call.db, group)


@command(
    "updateInstanceGroup",
    params=[
        Param("id", UUID, required=True, entity="InstanceGroup", description="Instance group ID"),
        Param("name", STRING, description="new instance group name"),
    ],
    **GROUP,  # type: ignore[arg-type]
)
def update_instance_group(call: Call, args: Args) -> ObjectResult:
    """Updates a vm group"""
    group: InstanceGroup = args.id
    instance_groups.check_access(call.caller, group)
    if args.name is not None:
        instance_groups.rename(call.db, group, args.name)
    return _result(call.db, group)


@command(
    "deleteInstanceGroup",
    params=[
        Param(
            "id",
            UUID,
            required=True,
            entity="InstanceGroup",
            description="the ID of the instance group",
        ),
    ],
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_instance_group(call: Call, args: Args) -> SuccessResult:
    """Deletes a vm group"""
    group: InstanceGroup = args.id
    instance_groups.check_access(call.caller, group)
    instance_groups.delete(call.db, group)
    return SuccessResult()


@command(
    "listInstanceGroups",
    params=[
        Param("id", UUID, entity="InstanceGroup", description="list instance groups by ID"),
        Param("name", STRING, description="list instance groups by name"),
        *LIST_OWNER,
    ],
    is_list=True,
    **GROUP,  # type: ignore[arg-type]
)
def list_instance_groups(call: Call, args: Args) -> ListResult:
    """Lists vm groups"""
    scope = list_scope(call.db, call.caller, args)
    stmt = _select().where(
        G.removed.is_(None), scope.where(G.account_id, G.domain_id, G.domain_path)
    )
    if args.id is not None:
        stmt = stmt.where(G.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(G.name == args.name)
    if args.keyword:
        stmt = stmt.where(G.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(G.id), call, args)
    return ListResult([group_view(*r) for r in rows], count)
