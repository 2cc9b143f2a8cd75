"""Project invitation commands (``project.invite.required``): list, answer, delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import check_domain_access, find_account
from cumulo.api.views.domain import pretty_path
from cumulo.db.base import utcnow
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project, ProjectInvitation
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import ownership, project_invitations, projects, users
from cumulo.services.project_invitations import EXPIRED, PENDING, STATES

Inv = ProjectInvitation
PROJECT_PARAM: dict[str, Any] = dict(entity="Project", own_project_check=True)


def _addressed_to(caller: Caller) -> Any:
    """Invitations for the caller's account, or for the caller's user."""
    return and_(
        Inv.account_id == caller.account_id,
        or_(Inv.user_id.is_(None), Inv.user_id == caller.user_id),
    )


def _may_manage(session: Session, caller: Caller, project: Project) -> bool:
    try:
        projects.check_manage(session, caller, project)
    except PermissionDenied:
        return False
    return True


def _project_scope(session: Session, caller: Caller, project: Project) -> Any:
    """A project's invitations: all of them for its admins, else the caller's own; a
    project the caller neither belongs to nor is invited to is out of reach (531)."""
    projects.live(project)
    if _may_manage(session, caller, project):
        return Inv.project_id == project.id
    mine = and_(Inv.project_id == project.id, _addressed_to(caller))
    invited = session.execute(select(Inv.id).where(mine)).first()
    if not invited and projects.caller_role(session, caller, project) is None:
        raise PermissionDenied(
            f"Account {caller.account_name} is neither a member of nor invited to project "
            f"{project.name}"
        )
    return mine


def _scope(call: Call, args: Args) -> Any:
    caller, project = call.caller, args.projectid
    if isinstance(project, Project):
        return _project_scope(call.db, caller, project)
    domain: Domain | None = args.domainid
    if not caller.is_admin or not (args.listall or domain is not None or args.account):
        if args.account and args.account != caller.account_name:
            raise PermissionDenied("You may only list the invitations of your own account")
        return _addressed_to(caller)
    if domain is not None:
        check_domain_access(caller, domain)
    if args.account:
        account = find_account(call.db, args.account, domain.id if domain else caller.domain_id)
        return Inv.account_id == account.id
    if domain is not None and not args.isrecursive:
        return Inv.domain_id == domain.id
    path = domain.path if domain is not None else caller.domain_path
    return Domain.path.startswith(path, autoescape=True)


def _state_filter(state: str | None, active_only: bool, cutoff: Any) -> list[Any]:
    """Expired covers the Pending ones past project.invite.timeout not yet swept."""
    overdue = and_(Inv.state == PENDING, Inv.created <= cutoff)
    wanted = PENDING if active_only else state
    if wanted is None:
        return []
    match = {s.lower(): s for s in STATES}.get(wanted.strip().lower())
    if match is None:
        raise InvalidParameter(f"state must be one of {', '.join(STATES)}, not {wanted}")
    if match == PENDING:
        return [Inv.state == PENDING, Inv.created > cutoff]
    if match == EXPIRED:
        return [or_(Inv.state == EXPIRED, overdue)]
    return [Inv.state == match]


def invitation_view(
    inv: Inv,
    project: Project,
    domain: Domain,
    account: Account | None,
    user: User | None,
    timeout: int,
) -> dict[str, Any]:
    return {
        "id": inv.uuid,
        "projectid": project.uuid,
        "project": project.name,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
        "account": account.name if account else None,
        "userid": user.uuid if user else None,
        "email": inv.email,
        "state": project_invitations.state_of(inv, timeout),
    }


@command(
    "listProjectInvitations",
    params=[
        Param("projectid", UUID, description="List by project id", **PROJECT_PARAM),
        Param("id", UUID, entity="ProjectInvitation", description="List invitations by id"),
        Param("account", STRING, description="List invitations for the account"),
        Param("domainid", UUID, entity="Domain", description="List invitations in the domain"),
        Param("isrecursive", BOOLEAN, description="Also the domain's subdomains"),
        Param("listall", BOOLEAN, description="Everything the caller may see"),
        Param("activeonly", BOOLEAN, description="Only pending, unexpired invitations"),
        Param("state", STRING, description="Pending, Completed, Declined or Expired"),
        Param("userid", UUID, entity="User", since="4.15.0", description="Invitations of a user"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="projectinvitation",
    response_class="ProjectInvitationResponse",
    since="3.0.0",
)
def list_project_invitations(call: Call, args: Args) -> ListResult:
    """Lists project invitations and provides detailed information for listed invitations"""
    timeout = project_invitations.timeout_seconds(call.runtime.config)
    invitee, invited_user = aliased(Account), aliased(User)
    stmt = (
        select(Inv, Project, Domain, invitee, invited_user)
        .join(Project, Project.id == Inv.project_id)
        .join(Domain, Domain.id == Inv.domain_id)
        .outerjoin(invitee, invitee.id == Inv.account_id)
        .outerjoin(invited_user, invited_user.id == Inv.user_id)
        .where(Project.removed.is_(None), _scope(call, args))
    )
    cutoff = utcnow() - timedelta(seconds=timeout)
    stmt = stmt.where(*_state_filter(args.state, bool(args.activeonly), cutoff))
    if args.id is not None:
        stmt = stmt.where(Inv.id == args.id.id)
    if args.userid is not None:
        stmt = stmt.where(Inv.user_id == args.userid.id)
    if args.keyword:
        stmt = stmt.where(Project.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Inv.id), call, args)
    views = [invitation_view(i, p, d, a, u, timeout) for i, p, d, a, u in rows]
    return ListResult(views, count)


def _invitee(call: Call, args: Args, project: Project) -> tuple[Account, User | None]:
    """Who answers: the caller, or a user/account the caller manages."""
    caller = call.caller
    if args.userid is not None:
        user: User = args.userid
        return users.check_manage(call.db, caller, user), user
    if args.account:
        account = find_account(call.db, args.account, project.domain_id)
        if account.id != caller.account_id:
            ownership.check_manage(call.db, caller, account)
            return account, None
    account = call.db.get(Account, caller.account_id)  # type: ignore[assignment]
    return account, call.db.get(User, caller.user_id)


@command(
    "updateProjectInvitation",
    params=[
        Param("projectid", UUID, required=True, description="ID of the project", **PROJECT_PARAM),
        Param("accept", BOOLEAN, description="Accept (default) or decline the invitation"),
        Param("account", STRING, description="Account that answers (default: the caller's)"),
        Param("userid", UUID, entity="User", since="4.15.0", description="User that answers"),
        Param("token", STRING, description="Token of an invitation sent by email"),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="Project",
    response_class="SuccessResponse",
    since="3.0.0",
)
def update_project_invitation(call: Call, args: Args) -> Enqueue:
    """Accepts or declines project invitation"""
    project = args.projectid
    if not isinstance(project, Project):
        raise InvalidParameter("projectid must name one project, not -1")
    projects.live(project)
    account, user = _invitee(call, args, project)
    inv = project_invitations.find_pending(call.db, project, account, user, args.token)
    project_invitations.check_answerable(inv, call.runtime.config)
    accept = args.accept is not False
    if accept:
        project_invitations.check_acceptable(call.db, inv, account)
    return Enqueue(
        {"invitation_id": inv.id, "account_id": account.id, "accept": accept},
        instance_uuid=project.uuid,
    )


@update_project_invitation.execute
def _update_invitation(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    def work(session: Session) -> None:
        inv = session.get(Inv, payload["invitation_id"])
        account = session.get(Account, payload["account_id"])
        if inv is None:
            raise InvalidParameter("The invitation was deleted before it could be answered")
        assert account is not None
        project_invitations.respond(session, job.caller, inv, account, payload["accept"])

    job.transaction(work)
    return SuccessResult()


@command(
    "deleteProjectInvitation",
    params=[
        Param("id", UUID, required=True, entity="ProjectInvitation", description="Invitation id")
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="Project",
    response_class="SuccessResponse",
    since="3.0.0",
)
def delete_project_invitation(call: Call, args: Args) -> Enqueue:
    """Deletes project invitation"""
    inv: Inv = args.id
    project = call.db.get(Project, inv.project_id)
    assert project is not None
    projects.check_manage(call.db, call.caller, project)
    return Enqueue({"invitation_id": inv.id}, instance_uuid=project.uuid)


@delete_project_invitation.execute
def _delete_invitation(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    def work(session: Session) -> None:
        inv = session.get(Inv, payload["invitation_id"])
        if inv is not None:  # deleted meanwhile: nothing left to do
            project_invitations.delete(session, job.caller, inv)

    job.transaction(work)
    return SuccessResult()
