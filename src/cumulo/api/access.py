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


def is_allowed(caller: Caller, command: Command, rules: Rules) -> bool:
    if is_builtin_root_admin(caller):
        return True
    for rule, permission in rules:
        if rule_pattern(rule).match(command.name):
            return permission.lower() == "allow"
    return caller.role_type in command.authorized


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
        raise CommandUnavailable(
            f"The API [{command.name}] does not exist or is not available for the account "
            f"{caller.account_name}."
        )


def check_project(session: Session, caller: Caller, args: Args) -> None:
    """``projectid`` reaches a project's resources only for its members (or an
    admin over its domain): checked here once, for every command that takes it."""
    from cumulo.services import projects  # late: services import api modules

    project = args.get("projectid")
    if isinstance(project, Project):
        if args.command.params_by_key["projectid"].own_project_check:
            return
        projects.check_read(session, caller, project)
