"""Project roles and their rules (CloudStack 4.15+): managed by the project's admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import LIST, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.project_role import project_role_permission_view, project_role_view
from cumulo.db.models.project import Project
from cumulo.db.models.project_role import ProjectRole, ProjectRolePermission
from cumulo.errors import InvalidParameter
from cumulo.services import project_roles, projects

PROJECT = Param("projectid", UUID, required=True, entity="Project", description="ID of the project")
ROLE_FIELDS: dict[str, Any] = dict(
    roles=ALL_ROLES, object_name="projectrole", response_class="ProjectRoleResponse", since="4.15.0"
)
RULE_FIELDS: dict[str, Any] = dict(
    roles=ALL_ROLES,
    object_name="projectrolepermission",
    response_class="ProjectRolePermissionResponse",
    since="4.15.0",
)
DONE_FIELDS: dict[str, Any] = dict(
    roles=ALL_ROLES, response_class="SuccessResponse", since="4.15.0"
)


def _project(args: Args) -> Project:
    project = args.projectid
    if not isinstance(project, Project):
        raise InvalidParameter("projectid must name one project, not -1")
    return projects.live(project)


@command(
    "createProjectRole",
    params=[
        PROJECT,
        Param("name", STRING, required=True, description="Name of the project role"),
        Param("description", STRING, description="Description of the project role"),
    ],
    **ROLE_FIELDS,
)
def create_project_role(call: Call, args: Args) -> ObjectResult:
    """Creates a Project role"""
    project = _project(args)
    role = project_roles.create(call.db, call.caller, project, args.name, args.description)
    return ObjectResult(project_role_view(role, project))


@command(
    "updateProjectRole",
    params=[
        PROJECT,
        Param("id", UUID, required=True, entity="ProjectRole", description="ID of the role"),
        Param("name", STRING, description="New name of the project role"),
        Param("description", STRING, description="New description of the project role"),
    ],
    **ROLE_FIELDS,
)
def update_project_role(call: Call, args: Args) -> ObjectResult:
    """Updates a Project role"""
    project = _project(args)
    role = project_roles.update(call.db, call.caller, project, args.id, args.name, args.description)
    return ObjectResult(project_role_view(role, project))


@command(
    "deleteProjectRole",
    params=[
        PROJECT,
        Param("id", UUID, required=True, entity="ProjectRole", description="ID of the role"),
    ],
    **DONE_FIELDS,
)
def delete_project_role(call: Call, args: Args) -> SuccessResult:
    """Delete Project roles in CloudStack"""
    project_roles.delete(call.db, call.caller, _project(args), args.id)
    return SuccessResult()


@command(
    "listProjectRoles",
    params=[
        PROJECT,
        Param("projectroleid", UUID, entity="ProjectRole", description="ID of the role"),
        Param("name", STRING, description="List project role by name"),
    ],
    is_list=True,
    **ROLE_FIELDS,
)
def list_project_roles(call: Call, args: Args) -> ListResult:
    """Lists Project roles in CloudStack"""
    project = _project(args)
    stmt = select(ProjectRole).where(
        ProjectRole.project_id == project.id, ProjectRole.removed.is_(None)
    )
    if args.projectroleid is not None:
        stmt = stmt.where(ProjectRole.id == args.projectroleid.id)
    if args.name is not None:
        stmt = stmt.where(ProjectRole.name == args.name)
    if args.keyword:
        stmt = stmt.where(ProjectRole.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(ProjectRole.id), call, args)
    return ListResult([project_role_view(r, project) for (r,) in rows], count)


@command(
    "createProjectRolePermission",
    params=[
        PROJECT,
        Param(
            "projectroleid",
            UUID,
            required=True,
            entity="ProjectRole",
            description="ID of the project role",
        ),
        Param("rule", STRING, required=True, description="The API name or wildcard rule"),
        Param("permission", STRING, required=True, description="allow or deny"),
        Param("description", STRING, description="The description of the rule"),
    ],
    **RULE_FIELDS,
)
def create_project_role_permission(call: Call, args: Args) -> ObjectResult:
    """Adds API permissions to a project role"""
    project, role = _project(args), args.projectroleid
    rule = project_roles.add_permission(
        call.db, call.caller, project, role, args.rule, args.permission, args.description
    )
    return ObjectResult(project_role_permission_view(rule, role, project))


@command(
    "listProjectRolePermissions",
    params=[
        PROJECT,
        Param("projectroleid", UUID, entity="ProjectRole", description="ID of the project role"),
    ],
    **RULE_FIELDS,
)
def list_project_role_permissions(call: Call, args: Args) -> ListResult:
    """Lists a project's project role permissions"""
    project = _project(args)
    stmt = (
        select(ProjectRolePermission, ProjectRole)
        .join(ProjectRole, ProjectRole.id == ProjectRolePermission.project_role_id)
        .where(ProjectRole.project_id == project.id, ProjectRole.removed.is_(None))
    )
    if args.projectroleid is not None:
        stmt = stmt.where(ProjectRole.id == args.projectroleid.id)
    order = (ProjectRole.id, ProjectRolePermission.sort_order, ProjectRolePermission.id)
    rows = call.db.execute(stmt.order_by(*order))
    items = [project_role_permission_view(p, r, project) for p, r in rows]
    return ListResult(items, len(items))


@command(
    "updateProjectRolePermission",
    params=[
        PROJECT,
        Param(
            "projectroleid",
            UUID,
            required=True,
            entity="ProjectRole",
            description="ID of the project role",
        ),
        Param(
            "ruleorder",
            LIST,
            collection=UUID,
            entity="ProjectRolePermission",
            description="The parent role permission uuid, use 0 to move this rule at the top",
        ),
        Param(
            "projectrolepermissionid",
            UUID,
            entity="ProjectRolePermission",
            description="Project Role permission rule id",
        ),
        Param("permission", STRING, description="Rule permission, can be: allow or deny"),
    ],
    **DONE_FIELDS,
)
def update_project_role_permission(call: Call, args: Args) -> SuccessResult:
    """Updates a project role permission and/or order"""
    project, role = _project(args), args.projectroleid
    rule = args.projectrolepermissionid
    if args.ruleorder is not None and rule is None and args.permission is None:
        project_roles.reorder(call.db, call.caller, project, role, args.ruleorder)
    elif args.ruleorder is None and rule is not None and args.permission is not None:
        project_roles.set_permission(call.db, call.caller, project, role, rule, args.permission)
    else:
        raise InvalidParameter("Give either ruleorder, or projectrolepermissionid with permission")
    return SuccessResult()


@command(
    "deleteProjectRolePermission",
    params=[
        PROJECT,
        Param(
            "id",
            UUID,
            required=True,
            entity="ProjectRolePermission",
            description="ID of the project role permission to be deleted",
        ),
    ],
    **DONE_FIELDS,
)
def delete_project_role_permission(call: Call, args: Args) -> SuccessResult:
    """Deletes a project role permission in the project"""
    project_roles.delete_permission(call.db, call.caller, _project(args), args.id)
    return SuccessResult()
