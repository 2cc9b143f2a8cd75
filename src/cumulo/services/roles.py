"""Roles and their ordered allow/deny rules (dynamic roles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType, parse_role_type
from cumulo.db.models.account import Account
from cumulo.db.models.role import Role, RolePermission
from cumulo.errors import InvalidParameter, PermissionDenied, ResourceInUse
from cumulo.services import events

# Lower is more privileged (CloudStack's RoleType ordering).
RANK = {RoleType.ADMIN: 0, RoleType.RESOURCE_ADMIN: 1, RoleType.DOMAIN_ADMIN: 2, RoleType.USER: 3}
PERMISSIONS = ("allow", "deny")
RULE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*")


def visible_to(caller: Caller, role_type: str) -> bool:
    """Callers see (and may assign) only roles no more privileged than their own."""
    return caller.is_root_admin or RANK[RoleType(role_type)] >= RANK[caller.role_type]


def check_assignable(caller: Caller, role: Role) -> None:
    if not visible_to(caller, role.role_type) or (not role.is_public and not caller.is_root_admin):
        raise PermissionDenied(f"You may not assign role {role.name}")


def role_type_of(value: str) -> RoleType:
    rt = parse_role_type(value)
    if rt is None:
        raise InvalidParameter(
            f"Invalid role type {value}; use one of Admin, ResourceAdmin, DomainAdmin, User"
        )
    return rt


def _check_name_free(session: Session, name: str, *, but: int = 0) -> None:
    if not name.strip():
        raise InvalidParameter("Role name must not be empty")
    taken = session.execute(
        select(Role.id).where(Role.name == name, Role.removed.is_(None), Role.id != but)
    ).first()
    if taken:
        raise InvalidParameter(f"A role named {name} already exists; choose another name")


def live(role: Role) -> Role:
    if role.removed is not None:
        raise InvalidParameter(f"Role {role.uuid} has been removed")
    return role


@dataclass(frozen=True)
class NewRole:
    name: str
    role_type: str | None = None
    clone_of: Role | None = None
    description: str | None = None
    is_public: bool | None = None


def create(session: Session, caller: Caller, new: NewRole) -> Role:
    if (new.role_type is None) == (new.clone_of is None):
        raise InvalidParameter("Provide either type or roleid (to clone), not both or neither")
    _check_name_free(session, new.name)
    if new.clone_of is not None:
        source = live(new.clone_of)
        rt = RoleType(source.role_type)
    else:
        assert new.role_type is not None
        rt = role_type_of(new.role_type)
    role = Role(
        name=new.name,
        role_type=rt.value,
        description=new.description,
        is_public=True if new.is_public is None else new.is_public,
    )
    session.add(role)
    session.flush()
    if new.clone_of is not None:
        for rule, permission, description, order in session.execute(
            select(
                RolePermission.rule,
                RolePermission.permission,
                RolePermission.description,
                RolePermission.sort_order,
            ).where(RolePermission.role_id == new.clone_of.id)
        ):
            session.add(
                RolePermission(
                    role_id=role.id,
                    rule=rule,
                    permission=permission,
                    description=description,
                    sort_order=order,
                )
            )
        session.flush()
    _event(session, caller, "ROLE.CREATE", f"Role {role.name} created", role)
    return role


def _check_not_builtin(role: Role, what: str) -> None:
    if role.is_default or role.id in BUILTIN_ROLE_IDS.values():
        raise PermissionDenied(f"Default roles cannot be {what}")


def _in_use(session: Session, role: Role) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Account)
            .where(Account.role_id == role.id, Account.removed.is_(None))
        ).scalar_one()
    )


def update(
    session: Session,
    caller: Caller,
    role: Role,
    *,
    name: str | None,
    role_type: str | None,
    description: str | None,
    is_public: bool | None,
) -> Role:
    live(role)
    _check_not_builtin(role, "updated")
    if name is not None and name != role.name:
        _check_name_free(session, name, but=role.id)
        role.name = name
    if role_type is not None:
        rt = role_type_of(role_type)
        if rt.value != role.role_type:
            if _in_use(session, role):
                raise ResourceInUse("The role type cannot change while accounts use the role")
            role.role_type = rt.value
    if description is not None:
        role.description = description
    if is_public is not None:
        role.is_public = is_public
    session.flush()
    _event(session, caller, "ROLE.UPDATE", f"Role {role.name} updated", role)
    return role


def delete(session: Session, caller: Caller, role: Role) -> None:
    live(role)
    _check_not_builtin(role, "deleted")
    used = _in_use(session, role)
    if used:
        raise ResourceInUse(
            f"Role {role.name} is used by {used} account(s); give them another role first"
        )
    session.query(RolePermission).filter(RolePermission.role_id == role.id).delete()
    role.mark_removed()
    _event(session, caller, "ROLE.DELETE", f"Role {role.name} deleted", role)


def check_rule(rule: str, permission: str) -> tuple[str, str]:
    rule = rule.strip()
    if not rule or not set(rule) <= RULE_CHARS:
        raise InvalidParameter(
            f"Invalid rule {rule!r}: use an API name or a wildcard such as list* or *"
        )
    if "*" not in rule:
        from cumulo.api.declaration import lookup  # late: declarations import services

        if lookup(rule) is None:
            raise InvalidParameter(f"Invalid rule {rule}: no such API")
    perm = permission.strip().lower()
    if perm not in PERMISSIONS:
        raise InvalidParameter("permission must be allow or deny")
    return rule, perm


def _check_rules_editable(role: Role) -> None:
    live(role)
    if role.id == BUILTIN_ROLE_IDS[RoleType.ADMIN]:
        raise PermissionDenied("The root admin role may call every API; it takes no rules")


def add_permission(
    session: Session,
    caller: Caller,
    role: Role,
    rule: str,
    permission: str,
    description: str | None,
) -> RolePermission:
    _check_rules_editable(role)
    rule, perm = check_rule(rule, permission)
    taken = session.execute(
        select(RolePermission.id).where(
            RolePermission.role_id == role.id, RolePermission.rule == rule
        )
    ).first()
    if taken:
        raise InvalidParameter(f"Role {role.name} already has a rule for {rule}")
    last = session.execute(
        select(func.max(RolePermission.sort_order)).where(RolePermission.role_id == role.id)
    ).scalar()
    row = RolePermission(
        role_id=role.id,
        rule=rule,
        permission=perm,
        description=description,
        sort_order=(last + 1) if last is not None else 0,
    )
    session.add(row)
    session.flush()
    _event(session, caller, "ROLE.PERMISSION.CREATE", f"Rule {rule} {perm} added", role)
    return row


def rules_of(session: Session, role_id: int) -> list[RolePermission]:
    return list(
        session.execute(
            select(RolePermission)
            .where(RolePermission.role_id == role_id)
            .order_by(RolePermission.sort_order, RolePermission.id)
        ).scalars()
    )


def reorder(session: Session, caller: Caller, role: Role, order: list[RolePermission]) -> None:
    _check_rules_editable(role)
    apply_order(rules_of(session, role.id), order, "role")
    session.flush()
    _event(session, caller, "ROLE.PERMISSION.UPDATE", f"Rules of {role.name} reordered", role)


def apply_order(current: Sequence[Any], order: Sequence[Any], what: str) -> None:
    """Number ``order``'s rules by position; it must hold exactly the rules in ``current``.

    Shared by account roles and project roles (``services/project_roles.py``).
    """
    if sorted(r.id for r in order) != sorted(r.id for r in current):
        raise InvalidParameter(
            f"ruleorder must list every rule of the {what} exactly once, in the new order"
        )
    for position, rule in enumerate(order):
        rule.sort_order = position


def set_permission(
    session: Session, caller: Caller, role: Role, rule: RolePermission, permission: str
) -> None:
    _check_rules_editable(role)
    if rule.role_id != role.id:
        raise InvalidParameter(f"Rule {rule.uuid} does not belong to role {role.uuid}")
    _, perm = check_rule(rule.rule, permission)
    rule.permission = perm
    session.flush()
    _event(session, caller, "ROLE.PERMISSION.UPDATE", f"Rule {rule.rule} set to {perm}", role)


def delete_permission(session: Session, caller: Caller, rule: RolePermission) -> None:
    role = session.get(Role, rule.role_id)
    assert role is not None
    _check_rules_editable(role)
    session.delete(rule)
    session.flush()
    _event(session, caller, "ROLE.PERMISSION.DELETE", f"Rule {rule.rule} removed", role)


def import_role(
    session: Session,
    caller: Caller,
    new: NewRole,
    rules: list[tuple[str, str, str | None]],
    forced: bool,
) -> Role:
    """Create a role with the given rules, or with ``forced`` replace a same-named one."""
    checked = [(*check_rule(r, p), d) for r, p, d in rules]
    if len({r for r, _, _ in checked}) != len(checked):
        raise InvalidParameter("rules lists the same rule twice")
    existing = session.execute(
        select(Role).where(Role.name == new.name, Role.removed.is_(None))
    ).scalar()
    if existing is not None:
        if not forced:
            raise InvalidParameter(
                f"A role named {new.name} already exists; pass forced=true to overwrite it"
            )
        _check_not_builtin(existing, "overwritten")
        role = existing
        if new.role_type is not None:
            rt = role_type_of(new.role_type)
            if rt.value != role.role_type and _in_use(session, role):
                raise ResourceInUse("The role type cannot change while accounts use the role")
            role.role_type = rt.value
        if new.description is not None:
            role.description = new.description
        if new.is_public is not None:
            role.is_public = new.is_public
        session.query(RolePermission).filter(RolePermission.role_id == role.id).delete()
        session.flush()
    else:
        if new.role_type is None:
            raise InvalidParameter("Provide type for a new role")
        role = create(
            session, caller, NewRole(new.name, new.role_type, None, new.description, new.is_public)
        )
    for position, (rule, perm, description) in enumerate(checked):
        session.add(
            RolePermission(
                role_id=role.id,
                rule=rule,
                permission=perm,
                description=description,
                sort_order=position,
            )
        )
    session.flush()
    _event(session, caller, "ROLE.IMPORT", f"Role {role.name} imported", role)
    return role


def _event(session: Session, caller: Caller, kind: str, text: str, role: Role) -> None:
    events.record(session, caller, kind, text, resource_type="Role", resource_uuid=role.uuid)
