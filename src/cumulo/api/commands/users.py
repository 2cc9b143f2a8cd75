"""User commands (§6.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMINS, ALL_ROLES
from cumulo.api.scope import find_account, list_scope
from cumulo.api.views.user import user_view
from cumulo.db.models.account import Account, AccountType, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import domain_moves, ownership, users

USER_FIELDS: dict[str, Any] = dict(object_name="user", response_class="UserResponse")


def render(session: Session, caller: Caller, user: User) -> dict[str, Any]:
    account = session.get(Account, user.account_id)
    assert account is not None
    domain = ownership.domain_of(session, account)
    role = session.get(Role, account.role_id) if account.role_id else None
    return user_view(user, account, domain, role, caller)


@command(
    "createUser",
    params=[
        Param("account", STRING, required=True, description="The account to add the user to"),
        Param("username", STRING, required=True, description="Unique username"),
        Param("password", STRING, required=True, description="Clear text password"),
        Param("email", STRING, required=True, description="email"),
        Param("firstname", STRING, required=True, description="firstname"),
        Param("lastname", STRING, required=True, description="lastname"),
        Param("domainid", UUID, entity="Domain", description="The account's domain"),
        Param("timezone", STRING, description="Time zone of the user"),
        Param("userid", STRING, description="User UUID, for adding from another region"),
    ],
    roles=ADMINS,
    **USER_FIELDS,
)
def create_user(call: Call, args: Args) -> ObjectResult:
    """Creates a user for an account that already exists"""
    domain: Domain | None = args.domainid
    account = find_account(call.db, args.account, domain.id if domain else call.caller.domain_id)
    if account.type == AccountType.PROJECT:
        raise InvalidParameter("A project's account has no users; add accounts to the project")
    ownership.check_read(call.db, call.caller, account)
    if not call.caller.is_root_admin and account.id != call.caller.account_id:
        ownership.check_manage(call.db, call.caller, account)
    user = users.add(
        call.db,
        call.caller,
        account,
        users.NewUser(
            username=args.username,
            password=args.password,
            email=args.email,
            firstname=args.firstname,
            lastname=args.lastname,
            timezone=args.timezone,
            uuid=args.userid,
        ),
    )
    return ObjectResult(render(call.db, call.caller, user))


@command(
    "updateUser",
    params=[
        Param("id", UUID, required=True, entity="User", description="User uuid"),
        Param("username", STRING, description="Unique username"),
        Param("password", STRING, description="Clear text password (default hashed to SHA256SALT)"),
        Param(
            "currentpassword",
            STRING,
            description="Current password; required when a non-admin changes the password",
        ),
        Param("email", STRING, description="email"),
        Param("firstname", STRING, description="first name"),
        Param("lastname", STRING, description="last name"),
        Param("timezone", STRING, description="Time zone of the user"),
        Param("userapikey", STRING, description="The API key for the user"),
        Param("usersecretkey", STRING, description="The secret key for the user"),
        Param(
            "apikeyaccess",
            STRING,
            since="4.20.1.0",
            description="Whether the user's API key works: Enabled, Disabled, Inherit",
        ),
        Param("mandate2fa", BOOLEAN, since="4.18.0.0", description="Mandate two factor auth"),
    ],
    roles=ALL_ROLES,
    **USER_FIELDS,
)
def update_user(call: Call, args: Args) -> ObjectResult:
    """Updates a user account"""
    user = users.update(
        call.db,
        call.caller,
        args.id,
        users.UserChanges(
            username=args.username,
            password=args.password,
            current_password=args.currentpassword,
            email=args.email,
            firstname=args.firstname,
            lastname=args.lastname,
            timezone=args.timezone,
            api_key=args.userapikey,
            secret_key=args.usersecretkey,
            api_key_access=args.apikeyaccess,
        ),
        call.runtime.secrets,
    )
    return ObjectResult(render(call.db, call.caller, user))


@command(
    "deleteUser",
    params=[Param("id", UUID, required=True, entity="User", description="id of the user")],
    roles=ADMINS,
    response_class="SuccessResponse",
)
def delete_user(call: Call, args: Args) -> SuccessResult:
    """Deletes a user for an account"""
    users.remove(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "disableUser",
    params=[Param("id", UUID, required=True, entity="User", description="Disables this user")],
    kind=Kind.ASYNC,
    roles=ADMINS,
    instance_type="User",
    **USER_FIELDS,
)
def disable_user(call: Call, args: Args) -> Enqueue:
    """Disables a user account"""
    user: User = args.id
    users.check_manage(call.db, call.caller, user)
    users.check_changeable_by_other(call.caller, user)
    return Enqueue({"user_id": user.id}, instance_uuid=user.uuid)


@disable_user.execute
def _disable_user(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    def work(session: Session) -> dict[str, Any]:
        user = session.get(User, payload["user_id"])
        assert user is not None
        users.set_state(session, job.caller, user, "disabled")
        return render(session, job.caller, user)

    return ObjectResult(job.transaction(work))


@command(
    "enableUser",
    params=[Param("id", UUID, required=True, entity="User", description="Enables this user")],
    roles=ADMINS,
    **USER_FIELDS,
)
def enable_user(call: Call, args: Args) -> ObjectResult:
    """Enables a user account"""
    user = users.set_state(call.db, call.caller, args.id, "enabled")
    return ObjectResult(render(call.db, call.caller, user))


@command(
    "lockUser",
    params=[Param("id", UUID, required=True, entity="User", description="Locks this user")],
    roles=ADMINS,
    **USER_FIELDS,
)
def lock_user(call: Call, args: Args) -> ObjectResult:
    """Locks a user account"""
    user = users.set_state(call.db, call.caller, args.id, "locked")
    return ObjectResult(render(call.db, call.caller, user))


@command(
    "listUsers",
    params=[
        Param("id", UUID, entity="User", description="List user by ID."),
        Param("username", STRING, description="List user by the username"),
        Param("account", STRING, description="List users of this account (with domainid)"),
        Param("accounttype", INTEGER, description="List users by account type"),
        Param("state", STRING, description="List users by state"),
        Param("domainid", UUID, entity="Domain", description="List only users of this domain"),
        Param("isrecursive", BOOLEAN, description="With domainid, include subdomains"),
        Param("listall", BOOLEAN, description="List all users the caller may see"),
        Param("showicon", BOOLEAN, description="flag to display the resource icon for users"),
        Param(
            "usersource",
            STRING,
            since="4.21.0.0",
            description="List users by their source: native, ldap, saml2, saml2disabled",
        ),
        Param(
            "apikeyaccess",
            STRING,
            since="4.20.1.0",
            description="List users by API key access: Enabled, Disabled, Inherit",
        ),
    ],
    roles=ADMINS,
    is_list=True,
    **USER_FIELDS,
)
def list_users(call: Call, args: Args) -> ListResult:
    """Lists user accounts"""
    caller = call.caller
    stmt = (
        select(User, Account, Domain, Role)
        .join(Account, Account.id == User.account_id)
        .join(Domain, Domain.id == Account.domain_id)
        .outerjoin(Role, Role.id == Account.role_id)
        .where(User.removed.is_(None))
    )
    if args.id is not None:
        user: User = args.id
        account = call.db.get(Account, user.account_id)
        assert account is not None
        if user.id != caller.user_id:
            try:
                ownership.check_read(call.db, caller, account)
            except PermissionDenied:
                raise PermissionDenied(
                    f"Account {caller.account_name} may not see user {user.uuid}"
                ) from None
        stmt = stmt.where(User.id == user.id)
    else:
        scope = list_scope(call.db, caller, args)
        stmt = stmt.where(scope.where(User.account_id, Account.domain_id, Domain.path))
    stmt = _filters(stmt, caller, args)
    rows, count = fetch_page(call.db, stmt.order_by(User.id), call, args)
    return ListResult([user_view(u, a, d, r, caller) for u, a, d, r in rows], count)


def _filters(stmt: Any, caller: Caller, args: Args) -> Any:
    if args.username is not None:
        stmt = stmt.where(User.username == args.username)
    if args.accounttype is not None:
        stmt = stmt.where(Account.type == args.accounttype)
    if args.state is not None:
        stmt = stmt.where(User.state == args.state.lower())
    if args.usersource is not None:
        stmt = stmt.where(User.source == args.usersource.lower())
    if args.apikeyaccess is not None:
        wanted = users.parse_api_key_access(caller, args.apikeyaccess)
        column = User.api_key_access
        stmt = stmt.where(column.is_(None) if wanted is None else column == wanted)
    if args.keyword:
        kw = args.keyword
        stmt = stmt.where(
            User.username.contains(kw, autoescape=True)
            | User.firstname.contains(kw, autoescape=True)
            | User.lastname.contains(kw, autoescape=True)
            | User.email.contains(kw, autoescape=True)
        )
    return stmt


@command(
    "moveUser",
    params=[
        Param("id", UUID, required=True, entity="User", description="ID of the user to move"),
        Param("account", STRING, description="Name of the account (in the user's domain)"),
        Param("accountid", UUID, entity="Account", description="ID of the account"),
    ],
    response_class="SuccessResponse",
    since="4.11",
)
def move_user(call: Call, args: Args) -> SuccessResult:
    """Moves a user to another account in the same domain."""
    user: User = args.id
    if user.removed is not None:
        raise InvalidParameter(f"User {user.uuid} has been removed")
    target = domain_moves.new_account_for(call.db, user, args.account, args.accountid)
    domain_moves.move_user(call.db, call.caller, user, target)
    return SuccessResult()
