"""Role and role permission commands (§6.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMINS
from cumulo.api.views.role import role_permission_view, role_view
from cumulo.db.models.role import Role, RolePermission
from cumulo.errors import InvalidParameter
from cumulo.services import roles

ROLE_FIELDS: dict[str, Any] = dict(object_name="role", response_class="RoleResponse", since="4.9.0")
RULE_FIELDS: dict[str, Any] = dict(
    object_name="rolepermission", response_class="RolePermissionResponse", since="4.9.0"
)
TYPE_TEXT = "The type of the role: Admin, ResourceAdmin, DomainAdmin or User"


@command(
    "createRole",
    params=[
        Param("name", STRING, required=True, description="Creates a role with this unique name"),
        Param("type", STRING, description=TYPE_TEXT),
        Param("roleid", UUID, entity="Role", description="ID of the role to clone"),
        Param("description", STRING, description="The description of the role"),
        Param("ispublic", BOOLEAN, description="Whether domain admins and users see the role"),
    ],
    **ROLE_FIELDS,
)
def create_role(call: Call, args: Args) -> ObjectResult:
    """Creates a role"""
    role = roles.create(
        call.db,
        call.caller,
        roles.NewRole(args.name, args.type, args.roleid, args.description, args.ispublic),
    )
    return ObjectResult(role_view(role))


@command(
    "updateRole",
    params=[
        Param("id", UUID, required=True, entity="Role", description="ID of the role"),
        Param("name", STRING, description="The new name of the role"),
        Param("type", STRING, description=TYPE_TEXT),
        Param("description", STRING, description="The description of the role"),
        Param("ispublic", BOOLEAN, description="Whether domain admins and users see the role"),
    ],
    **ROLE_FIELDS,
)
def update_role(call: Call, args: Args) -> ObjectResult:
    """Updates a role"""
    role = roles.update(
        call.db,
        call.caller,
        args.id,
        name=args.name,
        role_type=args.type,
        description=args.description,
        is_public=args.ispublic,
    )
    return ObjectResult(role_view(role))


@command(
    "deleteRole",
    params=[Param("id", UUID, required=True, entity="Role", description="ID of the role")],
    response_class="SuccessResponse",
    since="4.9.0",
)
def delete_role(call: Call, args: Args) -> SuccessResult:
    """Deletes a role"""
    roles.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listRoles",
    params=[
        Param("id", UUID, entity="Role", description="List role by role ID."),
        Param("name", STRING, description="List role by role name."),
        Param("type", STRING, description="List role by role type"),
        Param("state", STRING, description="List role by role state: Enabled or Disabled"),
    ],
    roles=ADMINS,
    is_list=True,
    **ROLE_FIELDS,
)
def list_roles(call: Call, args: Args) -> ListResult:
    """Lists dynamic roles in CloudStack"""
    caller = call.caller
    stmt = select(Role).where(Role.removed.is_(None))
    if not caller.is_root_admin:
        allowed = [rt for rt in roles.RANK if roles.visible_to(caller, rt)]
        stmt = stmt.where(Role.role_type.in_([rt.value for rt in allowed]), Role.is_public)
    if args.id is not None:
        stmt = stmt.where(Role.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(Role.name == args.name)
    if args.type is not None:
        stmt = stmt.where(Role.role_type == roles.role_type_of(args.type).value)
    if args.state is not None:
        stmt = stmt.where(Role.state == args.state.lower())
    if args.keyword:
        stmt = stmt.where(Role.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Role.id), call, args)
    return ListResult([role_view(r) for (r,) in rows], count)


@command(
    "createRolePermission",
    params=[
        Param("roleid", UUID, required=True, entity="Role", description="ID of the role"),
        Param("rule", STRING, required=True, description="The API name or wildcard rule"),
        Param("permission", STRING, required=True, description="allow or deny"),
        Param("description", STRING, description="The description of the role permission"),
    ],
    **RULE_FIELDS,
)
def create_role_permission(call: Call, args: Args) -> ObjectResult:
    """Adds an API permission to a role"""
    role: Role = args.roleid
    rule = roles.add_permission(
        call.db, call.caller, role, args.rule, args.permission, args.description
    )
    return ObjectResult(role_permission_view(rule, role))


@command(
    "listRolePermissions",
    params=[Param("roleid", UUID, entity="Role", description="ID of the role")],
    **RULE_FIELDS,
)
def list_role_permissions(call: Call, args: Args) -> ListResult:
    """Lists role permissions"""
    stmt = (
        select(RolePermission, Role)
        .join(Role, Role.id == RolePermission.role_id)
        .where(Role.removed.is_(None))
    )
    if args.roleid is not None:
        stmt = stmt.where(Role.id == args.roleid.id)
    rows = call.db.execute(stmt.order_by(Role.id, RolePermission.sort_order, RolePermission.id))
    items = [role_permission_view(p, r) for p, r in rows]
    return ListResult(items, len(items))


@command(
    "updateRolePermission",
    params=[
        Param("roleid", UUID, required=True, entity="Role", description="ID of the role"),
        Param(
            "ruleorder",
            LIST,
            collection=UUID,
            entity="RolePermission",
            description="The parent role permission uuid, use 0 to move this rule at the top",
        ),
        Param(
            "ruleid",
            UUID,
            entity="RolePermission",
            since="4.11",
            description="Role permission rule id",
        ),
        Param("permission", STRING, since="4.11", description="Rule permission, allow or deny"),
    ],
    response_class="SuccessResponse",
    since="4.9.0",
)
def update_role_permission(call: Call, args: Args) -> SuccessResult:
    """Updates a role permission order"""
    role: Role = roles.live(args.roleid)
    if args.ruleorder is not None:
        if args.ruleid is not None or args.permission is not None:
            raise InvalidParameter("Give either ruleorder, or ruleid with permission")
        roles.reorder(call.db, call.caller, role, args.ruleorder)
    elif args.ruleid is not None and args.permission is not None:
        roles.set_permission(call.db, call.caller, role, args.ruleid, args.permission)
    else:
        raise InvalidParameter("Give either ruleorder, or ruleid with permission")
    return SuccessResult()


@command(
    "deleteRolePermission",
    params=[
        Param(
            "id", UUID, required=True, entity="RolePermission", description="ID of the permission"
        )
    ],
    response_class="SuccessResponse",
    since="4.9.0",
)
def delete_role_permission(call: Call, args: Args) -> SuccessResult:
    """Deletes a role permission"""
    roles.delete_permission(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "importRole",
    params=[
        Param("name", STRING, required=True, description="Creates a role with this unique name"),
        Param(
            "rules",
            MAP,
            required=True,
            description="Rules param list, rule and permission is must. "
            "Example: rules[0].rule=create*&rules[0].permission=allow",
        ),
        Param("type", STRING, description=TYPE_TEXT),
        Param("description", STRING, description="The description of the role"),
        Param("forced", BOOLEAN, description="Overwrite a role of the same name; default false"),
        Param("ispublic", BOOLEAN, description="Whether domain admins and users see the role"),
    ],
    object_name="role",
    response_class="RoleResponse",
    since="4.15.0",
)
def import_role(call: Call, args: Args) -> ObjectResult:
    """Imports a role based on provided map of rule permissions"""
    rules: list[tuple[str, str, str | None]] = []
    for index, fields in sorted(args.rules.items()):
        if not fields.get("rule") or not fields.get("permission"):
            raise InvalidParameter(f"rules[{index}] needs both rule and permission")
        rules.append((fields["rule"], fields["permission"], fields.get("description")))
    role = roles.import_role(
        call.db,
        call.caller,
        roles.NewRole(args.name, args.type, None, args.description, args.ispublic),
        rules,
        bool(args.forced),
    )
    return ObjectResult(role_view(role))
