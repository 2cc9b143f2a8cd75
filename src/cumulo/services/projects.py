"""Projects: a project account (type 5) plus member accounts with a project role."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import new_uuid
from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project, ProjectMember
from cumulo.errors import InvalidParameter, PermissionDenied, ResourceInUse
from cumulo.services import events, limits, ownership
from cumulo.services.configuration import ConfigStore

ADMIN, REGULAR = "Admin", "Regular"
STATES = ("Active", "Suspended", "Disabled")


class MemberRoles(NamedTuple):
    """What a joining member gets: Admin or Regular, and a project role (id) or none."""

    role: str = REGULAR
    project_role_id: int | None = None


def live(project: Project) -> Project:
    if project.removed is not None:
        raise InvalidParameter(f"Project {project.uuid} has been removed")
    return project


def member_role(session: Session, account_id: int, project: Project) -> str | None:
    """The role of the account's own membership (not of its users')."""
    return session.execute(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project.id,
            ProjectMember.account_id == account_id,
            ProjectMember.user_id.is_(None),
        )
    ).scalar()


def caller_role(session: Session, caller: Caller, project: Project) -> str | None:
    """The caller's role in the project: its user's membership, else its account's."""
    rows = session.execute(
        select(ProjectMember.user_id, ProjectMember.role).where(
            ProjectMember.project_id == project.id,
            ProjectMember.account_id == caller.account_id,
            or_(ProjectMember.user_id.is_(None), ProjectMember.user_id == caller.user_id),
        )
    ).all()
    by_user = {user_id: role for user_id, role in rows}
    return by_user.get(caller.user_id, by_user.get(None))


def memberships_of(caller: Caller) -> Any:
    """Ids of the projects the caller belongs to (by account or as a user), as a subquery."""
    return select(ProjectMember.project_id).where(
        ProjectMember.account_id == caller.account_id,
        or_(ProjectMember.user_id.is_(None), ProjectMember.user_id == caller.user_id),
    )


def _domain(session: Session, project: Project) -> Domain:
    domain = session.get(Domain, project.domain_id)
    assert domain is not None
    return domain


def _is_domain_admin_over(caller: Caller, domain: Domain) -> bool:
    return caller.is_admin and caller.can_see_domain_path(domain.path)


def check_read(session: Session, caller: Caller, project: Project) -> None:
    live(project)
    if _is_domain_admin_over(caller, _domain(session, project)):
        return
    if caller_role(session, caller, project) is None:
        raise PermissionDenied(f"Account {caller.account_name} is not a member of the project")


def check_manage(session: Session, caller: Caller, project: Project) -> None:
    live(project)
    if _is_domain_admin_over(caller, _domain(session, project)):
        return
    if caller_role(session, caller, project) != ADMIN:
        raise PermissionDenied(
            f"Account {caller.account_name} is not an admin of project {project.name}"
        )


def owner_of(session: Session, project: Project) -> Account | None:
    return session.execute(
        select(Account)
        .join(ProjectMember, ProjectMember.account_id == Account.id)
        .where(ProjectMember.project_id == project.id, ProjectMember.role == ADMIN)
        .order_by(ProjectMember.id)
    ).scalar()


def create(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    name: str,
    display_text: str | None,
    owner: Account,
) -> Project:
    if not caller.is_admin and not config.get_bool("allow.user.create.projects"):
        raise PermissionDenied("Regular users may not create projects here; ask an admin")
    ownership.live(owner)
    if owner.type == AccountType.PROJECT:
        raise InvalidParameter("A project cannot own a project")
    domain = ownership.domain_of(session, owner)
    if not name.strip():
        raise InvalidParameter("Project name must not be empty")
    taken = session.execute(
        select(Project.id).where(
            Project.domain_id == domain.id, Project.name == name, Project.removed.is_(None)
        )
    ).first()
    if taken:
        raise InvalidParameter(f"A project named {name} already exists in the domain")
    limits.consume(session, config, owner.id, limits.ResourceType.PROJECT)
    from cumulo.services import accounts  # late: accounts build on projects for removal

    uuid = new_uuid()
    project_account = accounts.create_project_account(session, f"PrjAcct-{name}-{uuid}", domain)
    project = Project(
        uuid=uuid,
        name=name,
        display_text=display_text or name,
        domain_id=domain.id,
        account_id=project_account.id,
    )
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, account_id=owner.id, role=ADMIN))
    session.flush()
    event(session, caller, "PROJECT.CREATE", f"Project {name} created", project, domain)
    return project


def update(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    project: Project,
    *,
    name: str | None,
    display_text: str | None,
) -> Project:
    check_manage(session, caller, project)
    if name is not None and name != project.name:
        taken = session.execute(
            select(Project.id).where(
                Project.domain_id == project.domain_id,
                Project.name == name,
                Project.removed.is_(None),
                Project.id != project.id,
            )
        ).first()
        if taken:
            raise InvalidParameter(f"A project named {name} already exists in the domain")
        project.name = name
    if display_text is not None:
        project.display_text = display_text
    session.flush()
    event(session, caller, "PROJECT.UPDATE", f"Project {project.name} updated", project)
    return project


def set_role(
    session: Session,
    config: ConfigStore,
    project: Project,
    member: Account,
    role: str,
    *,
    swap: bool = True,
    user_id: int | None = None,
) -> None:
    """updateProject's account/userid + roletype + swapowner.

    Admin with swap (the default) hands ownership over; Admin without swap adds
    an admin; Regular demotes, but never the project's last admin. ``user_id``
    names a user's own membership (addUserToProject) instead of the account's.
    """
    row = session.execute(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id,
            ProjectMember.account_id == member.id,
            ProjectMember.user_slot == (user_id or 0),
        )
    ).scalar_one()
    before = owner_of(session, project)
    if role == ADMIN and swap and user_id is None:
        _set_owner(session, config, project, member)
        return
    others = select(ProjectMember).where(
        ProjectMember.project_id == project.id,
        ProjectMember.role == ADMIN,
        ProjectMember.id != row.id,
    )
    if role == ADMIN:
        if swap:  # a user takes over: the other admins become Regular
            for other in session.execute(others).scalars():
                other.role = REGULAR
        row.role = ADMIN
    else:
        if row.role == ADMIN and session.execute(others).first() is None:
            raise InvalidParameter(f"{member.name} is the last admin of project {project.name}")
        row.role = REGULAR
    session.flush()
    # The project counts against its owner (the first admin): follow it.
    after = owner_of(session, project)
    if before is not None and after is not None and after.id != before.id:
        limits.consume(session, config, after.id, limits.ResourceType.PROJECT)
        limits.release(session, before.id, limits.ResourceType.PROJECT)


def _set_owner(session: Session, config: ConfigStore, project: Project, new_owner: Account) -> None:
    """Make ``new_owner`` the project's admin; the project counts against it from now."""
    ownership.live(new_owner)
    if new_owner.domain_id != project.domain_id:
        raise InvalidParameter("The new owner must be an account of the project's domain")
    old = owner_of(session, project)
    if old is not None and old.id == new_owner.id:
        return
    limits.consume(session, config, new_owner.id, limits.ResourceType.PROJECT)
    if old is not None:
        limits.release(session, old.id, limits.ResourceType.PROJECT)
    for member in session.execute(
        select(ProjectMember).where(ProjectMember.project_id == project.id)
    ).scalars():
        if member.role == ADMIN and member.account_id != new_owner.id:
            member.role = REGULAR
    row = session.execute(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id,
            ProjectMember.account_id == new_owner.id,
            ProjectMember.user_id.is_(None),
        )
    ).scalar()
    if row is None:
        session.add(ProjectMember(project_id=project.id, account_id=new_owner.id, role=ADMIN))
    else:
        row.role = ADMIN


def set_state(session: Session, caller: Caller, project: Project, state: str) -> Project:
    check_manage(session, caller, project)
    if project.state == state:
        raise InvalidParameter(f"Project {project.name} is already {state}")
    project.state = state
    session.flush()
    kind = "ACTIVATE" if state == "Active" else "SUSPEND"
    event(session, caller, f"PROJECT.{kind}", f"Project {project.name} {state}", project)
    return project


def delete(session: Session, caller: Caller, project: Project, cleanup: bool) -> None:
    """Remove the project with its account (and that account's resources)."""
    from cumulo.services import accounts

    check_manage(session, caller, project)
    project_account = session.get(Account, project.account_id)
    assert project_account is not None
    if not cleanup:
        used = sum(limits.counts(session, limits.ACCOUNT, project_account.id).values())
        if used:
            raise ResourceInUse(
                f"Project {project.name} still has resources; delete them or pass cleanup=true"
            )
    accounts.remove(session, caller, project_account)  # retires the project too
    event(session, caller, "PROJECT.DELETE", f"Project {project.name} deleted", project)


def retire(session: Session, project_account: Account) -> None:
    """The project's account is going (project or domain deletion): end the project."""
    project = session.execute(
        select(Project).where(Project.account_id == project_account.id, Project.removed.is_(None))
    ).scalar()
    if project is None:
        return
    owner = owner_of(session, project)
    if owner is not None:
        limits.release(session, owner.id, limits.ResourceType.PROJECT)
    session.query(ProjectMember).filter(ProjectMember.project_id == project.id).delete()
    project.mark_removed()
    project.state = "Disabled"


def check_open(project: Project) -> None:
    """Members join live, active projects only."""
    live(project)
    if project.state != "Active":
        raise InvalidParameter(
            f"Project {project.name} is {project.state}; activate it before adding members"
        )


def check_joinable(project: Project, account: Account) -> None:
    """Whether the account may become a member (its own or through one of its users)."""
    check_open(project)
    ownership.live(account)
    if account.type == AccountType.PROJECT:
        raise InvalidParameter("A project account cannot join a project")
    if account.domain_id != project.domain_id:
        raise InvalidParameter("Only accounts of the project's domain can join it")


def check_role(role: str | None) -> str:
    """roletype as given (Admin or Regular, any case); Regular when absent."""
    if role is None or not role.strip():
        return REGULAR
    for known in (ADMIN, REGULAR):
        if role.strip().lower() == known.lower():
            return known
    raise InvalidParameter(f"roletype must be Admin or Regular, not {role}")


def add_member(
    session: Session,
    caller: Caller,
    project: Project,
    account: Account,
    roles: MemberRoles = MemberRoles(),
) -> None:
    """Add the account itself (so every one of its users) with ``roles``.

    Who may add is checked by the caller of this function: the command checks
    ``check_manage``; an accepted invitation is its own permission.
    """
    check_joinable(project, account)
    if member_role(session, account.id, project) is not None:
        raise InvalidParameter(f"Account {account.name} is already a member of the project")
    session.add(
        ProjectMember(
            project_id=project.id,
            account_id=account.id,
            role=roles.role,
            project_role_id=roles.project_role_id,
        )
    )
    session.flush()
    event(session, caller, "PROJECT.ACCOUNT.ADD", f"Account {account.name} added", project)


def remove_member(session: Session, caller: Caller, project: Project, account: Account) -> None:
    check_manage(session, caller, project)
    role = member_role(session, account.id, project)
    if role is None:
        raise InvalidParameter(f"Account {account.name} is not a member of the project")
    if role == ADMIN and admin_count(session, project) <= 1:
        raise InvalidParameter(
            "Cannot remove the project's only admin; make another account owner first"
        )
    session.query(ProjectMember).filter(
        ProjectMember.project_id == project.id,
        ProjectMember.account_id == account.id,
        ProjectMember.user_id.is_(None),
    ).delete()
    event(session, caller, "PROJECT.ACCOUNT.REMOVE", f"Account {account.name} removed", project)


def admin_count(session: Session, project: Project) -> int:
    """Admin memberships of the project (accounts' and users' own)."""
    return session.execute(
        select(func.count())
        .select_from(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.role == ADMIN)
    ).scalar_one()


def solely_managed(session: Session, account: Account) -> list[str]:
    """Names of live projects whose only admin is this account."""
    mine = session.execute(
        select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            ProjectMember.account_id == account.id,
            ProjectMember.role == ADMIN,
            Project.removed.is_(None),
        )
    ).scalars()
    out = []
    for project in mine:
        if admin_count(session, project) == 1:
            out.append(project.name)
    return out


def forget_member(session: Session, caller: Caller, account: Account) -> None:
    """When an account goes, drop its memberships (projects it solely owns stay for admins)."""
    session.query(ProjectMember).filter(ProjectMember.account_id == account.id).delete()


def visible_project_account_ids(session: Session, caller: Caller, listall: bool) -> list[int]:
    """Accounts of the projects the caller may see: member of, or (listall) administers."""
    stmt = select(Project.account_id).where(Project.removed.is_(None))
    if listall and caller.is_admin:
        if not caller.is_root_admin:
            stmt = stmt.join(Domain, Domain.id == Project.domain_id).where(
                Domain.path.startswith(caller.domain_path, autoescape=True)
            )
    else:
        stmt = stmt.where(Project.id.in_(memberships_of(caller)))
    return [r for (r,) in session.execute(stmt)]


def event(
    session: Session,
    caller: Caller,
    kind: str,
    text: str,
    project: Project,
    domain: Domain | None = None,
    level: str = "INFO",
) -> None:
    domain = domain or _domain(session, project)
    recorded = events.record(
        session,
        caller,
        kind,
        text,
        level=level,
        resource_type="Project",
        resource_uuid=project.uuid,
        account_id=project.account_id,
        domain_id=domain.id,
        domain_path=domain.path,
    )
    recorded.project_id = project.id
