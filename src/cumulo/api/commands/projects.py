"""Project commands (§6.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import list_owner
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import check_domain_access, find_account
from cumulo.api.views.project import project_view
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project, ProjectMember
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import ownership, project_users, projects

PROJECT_FIELDS: dict[str, Any] = dict(
    object_name="project", response_class="ProjectResponse", since="3.0.0", instance_type="Project"
)


def _owner(call: Call, args: Args) -> Account:
    """Whom the project is for: the caller, or (admins) ``account``/``accountid``."""
    caller = call.caller
    if args.accountid is not None:
        account: Account = args.accountid
    elif args.userid is not None:  # the user's account owns it (4.15+)
        account = call.db.get(Account, args.userid.account_id)  # type: ignore[assignment]
    elif args.account:
        domain: Domain | None = args.domainid
        account = find_account(call.db, args.account, domain.id if domain else caller.domain_id)
    else:
        account = call.db.get(Account, caller.account_id)  # type: ignore[assignment]
    if account.id != caller.account_id:
        ownership.check_manage(call.db, caller, account)
    return account


def _project_job(job: JobRun, payload: dict[str, Any], change: Any) -> ObjectResult:
    def work(session: Session) -> dict[str, Any]:
        project = session.get(Project, payload["project_id"])
        assert project is not None
        change(session, project)
        return project_view(session, job.runtime.config, project)

    return ObjectResult(job.transaction(work), object_name="project")


@command(
    "createProject",
    params=[
        Param("name", STRING, required=True, description="Name of the project"),
        Param("displaytext", STRING, description="Display text of the project"),
        Param("account", STRING, description="Account who will be Admin for the project"),
        Param("domainid", UUID, entity="Domain", description="Domain ID of the account"),
        Param("accountid", UUID, entity="Account", description="ID of the owner account"),
        Param("userid", UUID, entity="User", since="4.15.0", description="User ID of the owner"),
    ],
    kind=Kind.ASYNC_CREATE,
    roles=ALL_ROLES,
    **PROJECT_FIELDS,
)
def create_project(call: Call, args: Args) -> Enqueue:
    """Creates a project"""
    owner = _owner(call, args)
    project = projects.create(
        call.db, call.runtime.config, call.caller, args.name, args.displaytext, owner
    )
    return Enqueue({"project_id": project.id}, instance_uuid=project.uuid)


@create_project.execute
def _create_project(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    return _project_job(job, payload, lambda session, project: None)


@command(
    "updateProject",
    params=[
        Param("id", UUID, required=True, entity="Project", description="ID of the project"),
        Param("name", STRING, since="4.19.0", description="New name of the project"),
        Param("displaytext", STRING, description="Display text of the project"),
        Param("account", STRING, description="New admin account for the project"),
        Param("userid", UUID, entity="User", description="ID of the user to be promoted"),
        Param("roletype", STRING, description="Account level role: Admin or Regular"),
        Param("swapowner", BOOLEAN, description="Swap the owner (default true)"),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    **PROJECT_FIELDS,
)
def update_project(call: Call, args: Args) -> Enqueue:
    """Updates a project"""
    project: Project = args.id
    projects.check_manage(call.db, call.caller, project)
    member_id = user_id = None
    if args.userid is not None:
        member_id = args.userid.account_id
        if project_users.user_row(call.db, project, args.userid) is not None:
            user_id = args.userid.id  # the user's own membership, not its account's
    elif args.account:
        member_id = find_account(call.db, args.account, project.domain_id).id
    role = (args.roletype or projects.ADMIN).capitalize()
    if role not in (projects.ADMIN, projects.REGULAR):
        raise InvalidParameter(f"roletype must be Admin or Regular, not {args.roletype}")
    if (
        member_id is not None
        and user_id is None
        and projects.member_role(call.db, member_id, project) is None
    ):
        # As CloudStack: ownership moves only inside the project.
        raise InvalidParameter(
            "The account doesn't belong to the project; add it with addAccountToProject "
            "first and then change the project's ownership"
        )
    if member_id is None and (args.roletype or args.swapowner is not None):
        raise InvalidParameter("roletype and swapowner need account or userid")
    return Enqueue(
        {
            "project_id": project.id,
            "name": args.name,
            "displaytext": args.displaytext,
            "member_id": member_id,
            "user_id": user_id,
            "role": role,
            "swap": args.swapowner is not False,
        },
        instance_uuid=project.uuid,
    )


@update_project.execute
def _update_project(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    def change(session: Session, project: Project) -> None:
        projects.update(
            session,
            job.runtime.config,
            job.caller,
            project,
            name=payload["name"],
            display_text=payload["displaytext"],
        )
        # Jobs queued before roletype existed carry "owner_id".
        member_id = payload.get("member_id", payload.get("owner_id"))
        if member_id is not None:
            member = session.get(Account, member_id)
            assert member is not None
            projects.set_role(
                session,
                job.runtime.config,
                project,
                member,
                payload.get("role", projects.ADMIN),
                swap=payload.get("swap", True),
                user_id=payload.get("user_id"),
            )

    return _project_job(job, payload, change)


@command(
    "deleteProject",
    params=[
        Param("id", UUID, required=True, entity="Project", description="ID of the project"),
        Param("cleanup", BOOLEAN, since="4.16.0", description="Also delete its resources"),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    instance_type="Project",
    response_class="SuccessResponse",
    since="3.0.0",
)
def delete_project(call: Call, args: Args) -> Enqueue:
    """Deletes a project"""
    project: Project = args.id
    projects.check_manage(call.db, call.caller, project)
    return Enqueue(
        {"project_id": project.id, "cleanup": bool(args.cleanup)}, instance_uuid=project.uuid
    )


@delete_project.execute
def _delete_project(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    def work(session: Session) -> None:
        project = session.get(Project, payload["project_id"])
        assert project is not None
        if project.removed is None:
            projects.delete(session, job.caller, project, payload["cleanup"])

    job.transaction(work)
    return SuccessResult()


def _state_command(name: str, state: str, doc: str, wrapper: str | None = None) -> None:
    @command(
        name,
        response_name=wrapper,
        params=[
            Param("id", UUID, required=True, entity="Project", description="ID of the project")
        ],
        kind=Kind.ASYNC,
        roles=ALL_ROLES,
        description=doc,
        **PROJECT_FIELDS,
    )
    def handler(call: Call, args: Args) -> Enqueue:
        project: Project = args.id
        projects.check_manage(call.db, call.caller, project)
        return Enqueue({"project_id": project.id}, instance_uuid=project.uuid)

    @handler.execute
    def _run(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
        return _project_job(job, payload, lambda s, p: projects.set_state(s, job.caller, p, state))


# CloudStack's envelope for activateProject really is spelled "activaterojectresponse".
_state_command("activateProject", "Active", "Activates a project", "activaterojectresponse")
_state_command("suspendProject", "Suspended", "Suspends a project")


@command(
    "listProjects",
    params=[
        Param("id", UUID, entity="Project", description="List projects by project ID"),
        Param("name", STRING, description="List projects by name"),
        Param("displaytext", STRING, description="List projects by display text"),
        Param("state", STRING, description="List projects by state"),
        *list_owner(project=False),
        Param("username", STRING, description="List projects the user is a member of"),
        Param("tags", MAP, description="List projects by tags (key/value pairs)"),
        Param("details", LIST, collection=STRING, description="Details requested: all, min"),
        Param("showicon", BOOLEAN, description="flag to display the resource icon for projects"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="project",
    response_class="ProjectResponse",
    since="3.0.0",
)
def list_projects(call: Call, args: Args) -> ListResult:
    """Lists projects and provides detailed information for listed projects"""
    caller = call.caller
    stmt = (
        select(Project)
        .join(Domain, Domain.id == Project.domain_id)
        .where(Project.removed.is_(None))
    )
    domain: Domain | None = args.domainid
    if domain is not None:
        check_domain_access(caller, domain)
    if args.id is not None:
        projects.check_read(call.db, caller, args.id)
        stmt = stmt.where(Project.id == args.id.id)
    elif caller.is_admin and (args.listall or domain is not None or args.account):
        stmt = stmt.where(Domain.path.startswith(caller.domain_path, autoescape=True))
        if domain is not None:
            stmt = stmt.where(
                Domain.path.startswith(domain.path, autoescape=True)
                if args.isrecursive
                else Project.domain_id == domain.id
            )
        if args.account:
            member = find_account(call.db, args.account, domain.id if domain else caller.domain_id)
            stmt = stmt.where(Project.id.in_(_member_of(member.id)))
    else:
        if args.account and args.account != caller.account_name:
            raise PermissionDenied("You may only list the projects of your own account")
        stmt = stmt.where(Project.id.in_(projects.memberships_of(caller)))
    for column, value in ((Project.name, args.name), (Project.display_text, args.displaytext)):
        if value is not None:
            stmt = stmt.where(column == value)
    if args.state is not None:
        stmt = stmt.where(Project.state == args.state.capitalize())
    if args.keyword:
        stmt = stmt.where(Project.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Project.id), call, args)
    return ListResult([project_view(call.db, call.runtime.config, p) for (p,) in rows], count)


def _member_of(account_id: int) -> Any:
    return select(ProjectMember.project_id).where(ProjectMember.account_id == account_id)
