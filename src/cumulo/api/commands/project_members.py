"""Project membership commands: accounts and (4.15+) single users join and leave.

With ``project.invite.required`` the add commands invite instead of adding;
the invitee joins by accepting (``project_invitations.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Executor, Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import find_account
from cumulo.api.views.project import project_account_view
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project, ProjectMember
from cumulo.db.models.project_role import ProjectRole
from cumulo.errors import InvalidParameter, ResourceUnavailable
from cumulo.jobs.context import JobRun
from cumulo.services import (
    project_invitations,
    project_mail,
    project_roles,
    project_users,
    projects,
)

MEMBER_FIELDS: dict[str, Any] = dict(
    kind=Kind.ASYNC, roles=ALL_ROLES, instance_type="Project", response_class="SuccessResponse"
)
# projects.remove_member / project_users.remove_user
Remove = Callable[[Session, Caller, Project, Any], None]
PROJECT_ROLE = Param(
    "projectroleid", UUID, entity="ProjectRole", description="ID of the project role"
)
ROLE_TYPE = Param("roletype", STRING, description="Project role type: Admin or Regular")


def _roles(project: Project, args: Args) -> dict[str, Any]:
    """roletype and projectroleid of an add command, as payload fields."""
    return {
        "role": projects.check_role(args.roletype),
        "project_role_id": project_roles.role_id_for(project, args.projectroleid),
    }


def _by_email(call: Call, project: Project, roles: dict[str, Any], email: str) -> Enqueue:
    """With invitations required, ``email`` gets a token invitation by mail."""
    project_invitations.check_email(email)
    projects.check_open(project)
    project_mail.check_configured(call.runtime.config)
    payload = {"project_id": project.id, "email": email, **roles}
    return Enqueue(payload, instance_uuid=project.uuid)


def _join(call: Call, project: Project, roles: dict[str, Any], **who: Any) -> Enqueue:
    """Add ``account`` (or ``user``) now, or invite it when invitations are required."""
    invite = project_invitations.required(call.runtime.config)
    if invite and who.get("email"):
        return _by_email(call, project, roles, who["email"])
    user: User | None = who.get("user")
    account: Account | None = who.get("account")
    if user is not None:
        account = project_users.check_addable(call.db, project, user)
    elif account is not None:
        projects.check_joinable(project, account)
        if projects.member_role(call.db, account.id, project) is not None:
            raise InvalidParameter(f"Account {account.name} is already a member of the project")
    assert account is not None
    payload = {
        "project_id": project.id,
        "account_id": account.id,
        "user_id": user.id if user else None,
        "invite": invite,
        **roles,
    }
    return Enqueue(payload, instance_uuid=project.uuid)


def _mail_invitation(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    """Create the token invitation, then mail the token; no mail, no invitation."""
    config, email = job.runtime.config, payload["email"]

    def create(session: Session) -> tuple[str, str | None]:
        project = session.get(Project, payload["project_id"])
        assert project is not None
        _inv, token = project_invitations.invite(
            session,
            config,
            job.caller,
            project,
            _member_roles(session, project, payload),
            email=email,
        )
        return project.name, token

    name, token = job.transaction(create)
    if token is None:
        return SuccessResult()  # a pending invitation was mailed before
    try:
        project_mail.send_invitation(config, job.runtime.secrets, email, name, token)
    except ResourceUnavailable as exc:
        why = str(exc)

        # Nobody got the token: the invitation goes, and the event says why.
        def withdraw(session: Session) -> None:
            project = session.get(Project, payload["project_id"])
            assert project is not None
            project_invitations.withdraw(session, job.caller, project, email, why)

        job.transaction(withdraw)
        raise
    return SuccessResult()


def _member_roles(
    session: Session, project: Project, payload: dict[str, Any]
) -> projects.MemberRoles:
    """The payload's roles; the project role must still be live (deleted since the call: 431)."""
    role_id = payload.get("project_role_id")  # absent in jobs queued before project roles
    if role_id is not None:
        role = session.get(ProjectRole, role_id)
        assert role is not None
        project_roles.of_project(role, project)
    return projects.MemberRoles(payload["role"], role_id)


def _run_join(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    if payload.get("email"):
        return _mail_invitation(job, payload)

    def work(session: Session) -> None:
        project = session.get(Project, payload["project_id"])
        account = session.get(Account, payload["account_id"])
        user = session.get(User, payload["user_id"]) if payload["user_id"] else None
        assert project is not None and account is not None
        role = _member_roles(session, project, payload)
        if payload["invite"]:
            project_invitations.invite(
                session, job.runtime.config, job.caller, project, role, account=account, user=user
            )
        elif user is not None:
            project_users.add_user(session, job.caller, project, user, role)
        else:
            projects.add_member(session, job.caller, project, account, role)

    job.transaction(work)
    return SuccessResult()


@command(
    "addAccountToProject",
    params=[
        Param("projectid", UUID, required=True, entity="Project", description="ID of the project"),
        Param("account", STRING, description="Name of the account to be added to the project"),
        Param("email", STRING, description="Email address to send the invitation to"),
        ROLE_TYPE,
        PROJECT_ROLE,
    ],
    since="3.0.0",
    **MEMBER_FIELDS,
)
def add_account_to_project(call: Call, args: Args) -> Enqueue:
    """Adds account to a project"""
    project: Project = args.projectid
    projects.check_manage(call.db, call.caller, project)
    roles = _roles(project, args)
    if args.email and project_invitations.required(call.runtime.config):
        return _by_email(call, project, roles, args.email)
    if not args.account:
        raise InvalidParameter(
            "Give the account to add to the project (or, with invitations, an email)"
        )
    account = find_account(call.db, args.account, project.domain_id)
    return _join(call, project, roles, account=account, email=args.email)


add_account_to_project.execute(_run_join)


@command(
    "addUserToProject",
    params=[
        Param("projectid", UUID, required=True, entity="Project", description="ID of the project"),
        Param("username", STRING, required=True, description="Name of the user to be added"),
        Param("email", STRING, description="Email ID of user to whom invite is sent"),
        ROLE_TYPE,
        PROJECT_ROLE,
    ],
    since="4.14",
    **MEMBER_FIELDS,
)
def add_user_to_project(call: Call, args: Args) -> Enqueue:
    """Adds user to a project"""
    project: Project = args.projectid
    projects.check_manage(call.db, call.caller, project)
    user = project_users.find_user(call.db, project, args.username)
    return _join(call, project, _roles(project, args), user=user, email=args.email)


add_user_to_project.execute(_run_join)


@command(
    "deleteAccountFromProject",
    params=[
        Param("projectid", UUID, required=True, entity="Project", description="ID of the project"),
        Param("account", STRING, required=True, description="Name of the account to remove"),
    ],
    since="3.0.0",
    **MEMBER_FIELDS,
)
def delete_account_from_project(call: Call, args: Args) -> Enqueue:
    """Deletes account from the project"""
    project: Project = args.projectid
    projects.check_manage(call.db, call.caller, project)
    account = find_account(call.db, args.account, project.domain_id)
    if projects.member_role(call.db, account.id, project) is None:
        raise InvalidParameter(f"Account {account.name} is not a member of the project")
    return Enqueue({"project_id": project.id, "account_id": account.id}, instance_uuid=project.uuid)


def _removal(model: type[Account] | type[User], key: str, remove: Remove) -> Executor:
    """The job body of a delete*FromProject: ``remove`` the member named in the payload."""

    def run(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
        def work(session: Session) -> None:
            project = session.get(Project, payload["project_id"])
            member = session.get(model, payload[key])
            assert project is not None and member is not None
            remove(session, job.caller, project, member)

        job.transaction(work)
        return SuccessResult()

    return run


delete_account_from_project.execute(_removal(Account, "account_id", projects.remove_member))


@command(
    "deleteUserFromProject",
    params=[
        Param("projectid", UUID, required=True, entity="Project", description="ID of the project"),
        Param("userid", UUID, required=True, entity="User", description="ID of the user"),
    ],
    since="4.15.0",
    **MEMBER_FIELDS,
)
def delete_user_from_project(call: Call, args: Args) -> Enqueue:
    """Deletes user from the project"""
    project: Project = args.projectid
    user: User = args.userid
    project_users.check_removable(call.db, call.caller, project, user)
    return Enqueue({"project_id": project.id, "user_id": user.id}, instance_uuid=project.uuid)


delete_user_from_project.execute(_removal(User, "user_id", project_users.remove_user))


@command(
    "listProjectAccounts",
    params=[
        Param("projectid", UUID, required=True, entity="Project", description="ID of the project"),
        Param("account", STRING, description="List accounts of the project by account name"),
        Param("role", STRING, description="List accounts by role: Admin or Regular"),
        Param("userid", UUID, entity="User", description="List the project membership of a user"),
        PROJECT_ROLE,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="projectaccount",
    # CloudStack's annotation names ProjectResponse (listApis shows it); the items
    # are ProjectAccountResponse.
    response_class="ProjectResponse",
    since="3.0.0",
)
def list_project_accounts(call: Call, args: Args) -> ListResult:
    """Lists project's accounts"""
    project = args.projectid
    if not isinstance(project, Project):
        raise InvalidParameter("projectid must name one project, not -1")
    projects.check_read(call.db, call.caller, project)
    stmt = (
        select(ProjectMember, Account, Domain, User, ProjectRole)
        .join(Account, Account.id == ProjectMember.account_id)
        .join(Domain, Domain.id == Account.domain_id)
        .outerjoin(User, User.id == ProjectMember.user_id)
        .outerjoin(ProjectRole, ProjectRole.id == ProjectMember.project_role_id)
        .where(ProjectMember.project_id == project.id, Account.removed.is_(None))
    )
    if args.account:
        stmt = stmt.where(Account.name == args.account)
    if args.role:
        stmt = stmt.where(ProjectMember.role == args.role.capitalize())
    if args.projectroleid is not None:
        stmt = stmt.where(ProjectMember.project_role_id == args.projectroleid.id)
    if args.userid is not None:
        # The user's own membership and that of its account.
        stmt = stmt.where(
            or_(
                ProjectMember.user_id == args.userid.id,
                and_(
                    ProjectMember.user_id.is_(None),
                    ProjectMember.account_id == args.userid.account_id,
                ),
            )
        )
    if args.keyword:
        stmt = stmt.where(
            or_(
                Account.name.contains(args.keyword, autoescape=True),
                User.username.contains(args.keyword, autoescape=True),
            )
        )
    rows, count = fetch_page(call.db, stmt.order_by(ProjectMember.id), call, args)
    items = [project_account_view(project, m, a, d, u, r) for m, a, d, u, r in rows]
    return ListResult(items, count)
