"""ProjectRoleResponse and ProjectRolePermissionResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.project import Project
from cumulo.db.models.project_role import ProjectRole, ProjectRolePermission


def project_role_view(role: ProjectRole, project: Project) -> dict[str, Any]:
    return {
        "id": role.uuid,
        "name": role.name,
        "description": role.description,
        "projectid": project.uuid,
    }


def project_role_permission_view(
    rule: ProjectRolePermission, role: ProjectRole, project: Project
) -> dict[str, Any]:
    return {
        "id": rule.uuid,
        "projectroleid": role.uuid,
        "projectrolename": role.name,
        "projectid": project.uuid,
        "rule": rule.rule,
        "permission": rule.permission,
        "description": rule.description,
    }
