"""Which commands a caller's role may use: dynamic role rules, then the declaration.

As CloudStack's DynamicRoleBasedAPIAccessChecker: the built-in root admin role
may call everything; otherwise the role's rules are tried in order and the
first that matches the command name decides; with no match, the command's
declared roles decide.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Caller
from cumulo.api.declaration import Command
from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType
from cumulo.db.models.project import Project
from cumulo.db.models.role import RolePermission
from cumulo.errors import CommandUnavailable
from cumulo.services.ttlcache import TtlCache

Rules = list[tuple[str, str]]  # (rule, permission) in order


@lru_cache(maxsize=1024)
def rule_pattern(rule: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in rule.split("*")) + "$", re.IGNORECASE)


def role_rules(session: Session, role_id: int | None) -> Rules:
    if role_id is None:
        return []
    rows = session.execute(
        select(RolePermission.rule, RolePermission.permission)
        .where(RolePermission.role_id == role_id)
        .order_by(RolePermission.sort_order, RolePermission.id)
    )
    return [(r, p) for r, p in rows]


def is_builtin_root_admin(caller: Caller) -> bool:
    return caller.role_type == RoleType.ADMIN and caller.role_id == BUILTIN_ROLE_IDS[RoleType.ADMIN]


def first_match(rules: Rules, api_name: str) -> bool | None:
    """Whether the first rule matching ``api_name`` allows it; None when none matches.

    Shared by account roles and project roles (services/project_roles.py).
    """
    for rule, permission in rules:
        if rule_pattern(rule).match(api_name):
            return permission.lower() == "allow"
    return None


def is_allowed(caller: Caller, command: Command, rules: Rules) -> bool:
    if is_builtin_root_admin(caller):
        return True
    decided = first_match(rules, command.name)
    return caller.role_type in command.authorized if decided is None else decided


def check_available(
    session: Session, caller: Caller, command: Command, cache: TtlCache[Rules] | None = None
) -> None:
    """Raise unless the caller's role may use the command.

    ``cache`` (the runtime's) spares the rules query on most requests; rules
    are then at most its TTL old.
    """
    if is_builtin_root_admin(caller):
        return  # allowed everything, whatever rules its role has
    if cache is None or caller.role_id is None:
        rules = role_rules(session, caller.role_id)
    else:
        rules = cache.get_or_load(caller.role_id, lambda: role_rules(session, caller.role_id))
    if not is_allowed(caller, command, rules):
        raise unavailable(caller, command.name)


def unavailable(caller: Caller, api_name: str) -> CommandUnavailable:
    return CommandUnavailable(
        f"The API [{api_name}] does not exist or is not available for the account "
        f"{caller.account_name}."
    )


def check_project(session: Session, caller: Caller, args: Args) -> None:
    """``projectid`` reaches a project's resources only for its members (or an
    admin over its domain), and only through the APIs their project role allows:
    checked here once, for every command that takes it."""
    from cumulo.services import project_roles, projects  # late: services import api modules

    project = args.get("projectid")
    if isinstance(project, Project):
        if args.command.params_by_key["projectid"].own_project_check:
            return
        projects.check_read(session, caller, project)
        if not project_roles.allows(session, caller, project, args.command.name):
            raise unavailable(caller, args.command.name)
