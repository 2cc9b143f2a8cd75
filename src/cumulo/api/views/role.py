"""RoleResponse and RolePermissionResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.role import Role, RolePermission


def role_view(role: Role) -> dict[str, Any]:
    return {
        "id": role.uuid,
        "name": role.name,
        "type": role.role_type,
        "description": role.description,
        "isdefault": role.is_default,
        "ispublic": role.is_public,
        "state": "Enabled" if role.state == "enabled" else "Disabled",
    }


def role_permission_view(rule: RolePermission, role: Role) -> dict[str, Any]:
    return {
        "id": rule.uuid,
        "roleid": role.uuid,
        "rolename": role.name,
        "rule": rule.rule,
        "permission": rule.permission,
        "description": rule.description,
    }
