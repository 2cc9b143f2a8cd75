"""Project roles: ordered allow/deny rules a project admin gives Regular members.

As CloudStack's ProjectRoleBasedApiAccessChecker: a call naming ``projectid``
must pass the caller's account role (api.access.check_available) and, for a
Regular member with a project role, that role's rules too. The first matching
rule decides (the same wildcard matching as account roles,
``api.access.first_match``); no match leaves the decision to the account role.
Root and domain admins and project admins are not restricted by project roles.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cumulo.api.access import first_match
from cumulo.api.context import Caller
from cumulo.db.models.project import Project, ProjectInvitation, ProjectMember
from cumulo.db.models.project_role import ProjectRole, ProjectRolePermission
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import projects, roles
from cumulo.services.roles import check_rule


def member_row(session: Session, caller: Caller, project: Project) -> ProjectMember | None:
    """The caller's membership: its user's own row, else its account's."""
    rows = session.execute(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id,
            ProjectMember.account_id == caller.account_id,
            or_(ProjectMember.user_id.is_(None), ProjectMember.user_id == caller.user_id),
        )
    ).scalars()
    by_user = {row.user_id: row for row in rows}
    return by_user.get(caller.user_id, by_user.get(None))


def allows(session: Session, caller: Caller, project: Project, api_name: str) -> bool:
    if caller.is_admin:
        return True
    member = member_row(session, caller, project)
    if member is None or member.role == projects.ADMIN or member.project_role_id is None:
        return True
    rules = [(r.rule, r.permission) for r in rules_of(session, member.project_role_id)]
    return first_match(rules, api_name) is not False


def of_project(role: ProjectRole, project: Project) -> ProjectRole:
    """The role, when it is a live role of ``project`` (431 otherwise)."""
    if role.removed is not None:
        raise InvalidParameter(f"Project role {role.uuid} has been removed")
    if role.project_id != project.id:
        raise InvalidParameter(f"Project role {role.name} is not a role of project {project.name}")
    return role


def role_id_for(project: Project, role: ProjectRole | None) -> int | None:
    """``projectroleid`` of a membership command, checked against its project."""
    return of_project(role, project).id if role is not None else None


def _check_name_free(session: Session, project: Project, name: str, *, but: int = 0) -> None:
    if not name.strip():
        raise InvalidParameter("Project role name must not be empty")
    taken = session.execute(
        select(ProjectRole.id).where(
            ProjectRole.project_id == project.id,
            ProjectRole.name == name,
            ProjectRole.removed.is_(None),
            ProjectRole.id != but,
        )
    ).first()
    if taken:
        raise InvalidParameter(
            f"Project {project.name} already has a role named {name}; choose another name"
        )


def create(
    session: Session, caller: Caller, project: Project, name: str, description: str | None
) -> ProjectRole:
    projects.check_manage(session, caller, project)
    _check_name_free(session, project, name)
    role = ProjectRole(project_id=project.id, name=name, description=description)
    session.add(role)
    session.flush()
    projects.event(session, caller, "PROJECT.ROLE.CREATE", f"Project role {name} created", project)
    return role


def update(
    session: Session,
    caller: Caller,
    project: Project,
    role: ProjectRole,
    name: str | None,
    description: str | None,
) -> ProjectRole:
    projects.check_manage(session, caller, project)
    of_project(role, project)
    if name is not None and name != role.name:
        _check_name_free(session, project, name, but=role.id)
        role.name = name
    if description is not None:
        role.description = description
    session.flush()
    projects.event(
        session, caller, "PROJECT.ROLE.UPDATE", f"Project role {role.name} updated", project
    )
    return role


def _users(session: Session, role: ProjectRole) -> int:
    members = select(func.count()).where(ProjectMember.project_role_id == role.id)
    invited = select(func.count()).where(
        ProjectInvitation.project_role_id == role.id, ProjectInvitation.state == "Pending"
    )
    return int(session.execute(members).scalar_one()) + int(session.execute(invited).scalar_one())


def delete(session: Session, caller: Caller, project: Project, role: ProjectRole) -> None:
    projects.check_manage(session, caller, project)
    of_project(role, project)
    used = _users(session, role)
    if used:
        raise ResourceInUse(
            f"Project role {role.name} is held by {used} member(s) or pending invitation(s); "
            "remove them or give them another role first"
        )
    session.query(ProjectRolePermission).filter(
        ProjectRolePermission.project_role_id == role.id
    ).delete()
    role.mark_removed()
    projects.event(
        session, caller, "PROJECT.ROLE.DELETE", f"Project role {role.name} deleted", project
    )


def rules_of(session: Session, role_id: int) -> list[ProjectRolePermission]:
    return list(
        session.execute(
            select(ProjectRolePermission)
            .where(ProjectRolePermission.project_role_id == role_id)
            .order_by(ProjectRolePermission.sort_order, ProjectRolePermission.id)
        ).scalars()
    )


def add_permission(
    session: Session,
    caller: Caller,
    project: Project,
    role: ProjectRole,
    rule: str,
    permission: str,
    description: str | None,
) -> ProjectRolePermission:
    projects.check_manage(session, caller, project)
    of_project(role, project)
    rule, perm = check_rule(rule, permission)
    current = rules_of(session, role.id)
    if any(r.rule == rule for r in current):
        raise InvalidParameter(f"Project role {role.name} already has a rule for {rule}")
    row = ProjectRolePermission(
        project_role_id=role.id,
        project_id=project.id,
        rule=rule,
        permission=perm,
        description=description,
        sort_order=max((r.sort_order for r in current), default=-1) + 1,
    )
    session.add(row)
    session.flush()
    projects.event(
        session, caller, "PROJECT.ROLE.PERMISSION.CREATE", f"Rule {rule} {perm}", project
    )
    return row


def _rule_of(rule: ProjectRolePermission, role: ProjectRole) -> ProjectRolePermission:
    if rule.project_role_id != role.id:
        raise InvalidParameter(f"Rule {rule.uuid} does not belong to project role {role.name}")
    return rule


def reorder(
    session: Session,
    caller: Caller,
    project: Project,
    role: ProjectRole,
    order: list[ProjectRolePermission],
) -> None:
    projects.check_manage(session, caller, project)
    of_project(role, project)
    roles.apply_order(rules_of(session, role.id), order, "project role")
    session.flush()
    text = f"Rules of project role {role.name} reordered"
    projects.event(session, caller, "PROJECT.ROLE.PERMISSION.UPDATE", text, project)


def set_permission(
    session: Session,
    caller: Caller,
    project: Project,
    role: ProjectRole,
    rule: ProjectRolePermission,
    permission: str,
) -> None:
    projects.check_manage(session, caller, project)
    of_project(role, project)
    _, perm = check_rule(_rule_of(rule, role).rule, permission)
    rule.permission = perm
    session.flush()
    text = f"Rule {rule.rule} of project role {role.name} set to {perm}"
    projects.event(session, caller, "PROJECT.ROLE.PERMISSION.UPDATE", text, project)


def delete_permission(
    session: Session, caller: Caller, project: Project, rule: ProjectRolePermission
) -> None:
    projects.check_manage(session, caller, project)
    if rule.project_id != project.id:
        raise InvalidParameter(f"Rule {rule.uuid} is not a rule of project {project.name}")
    session.delete(rule)
    session.flush()
    projects.event(
        session, caller, "PROJECT.ROLE.PERMISSION.DELETE", f"Rule {rule.rule} removed", project
    )
