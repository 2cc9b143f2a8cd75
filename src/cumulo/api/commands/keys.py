"""API keys: getUser, registerUserKeys, getUserKeys (§2.3)."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.user import user_view
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services.keys import read_keys, register_keys


def check_user_access(call: Call, user: User) -> tuple[Account, Domain]:
    """The caller may manage this user: itself, or as an admin over its domain."""
    caller: Caller = call.caller
    account = call.db.get(Account, user.account_id)
    domain = call.db.get(Domain, user.domain_id)
    assert account is not None and domain is not None
    if user.removed is not None:
        raise InvalidParameter(f"User {user.uuid} has been removed")
    if user.id == caller.user_id or caller.is_root_admin:
        return account, domain
    if (
        caller.is_domain_admin
        and domain.path.startswith(caller.domain_path)
        and account.type not in (1,)
        and account.id != caller.account_id
    ):
        return account, domain
    raise PermissionDenied(f"Account {caller.account_name} may not access user {user.uuid}")


@command(
    "getUser",
    roles=ALL_ROLES,
    params=[
        Param("userapikey", ParamType.STRING, required=True, description="API key of the user")
    ],
    object_name="user",
    response_class="UserResponse",
)
def get_user(call: Call, args: Args) -> ObjectResult:
    """Find user account by API key"""
    user = call.db.execute(
        select(User).where(User.api_key == args.userapikey, User.removed.is_(None))
    ).scalar()
    if user is None:
        raise InvalidParameter("Unable to find user with the given API key")
    account, domain = check_user_access(call, user)
    role = call.db.get(Role, account.role_id) if account.role_id else None
    return ObjectResult(user_view(user, account, domain, role, call.caller))


@command(
    "registerUserKeys",
    roles=ALL_ROLES,
    params=[Param("id", ParamType.UUID, required=True, entity="User", description="User id")],
    object_name="userkeys",
    response_class="RegisterResponse",
)
def register_user_keys(call: Call, args: Args) -> ObjectResult:
    """This command allows a user to register for the developer API, returning a secret key
    and an API key."""
    user: User = args.id
    check_user_access(call, user)
    apikey, secret = register_keys(call.db, user, call.runtime.secrets)
    return ObjectResult({"apikey": apikey, "secretkey": secret})


@command(
    "getUserKeys",
    roles=ALL_ROLES,
    params=[
        Param(
            "id",
            ParamType.UUID,
            required=True,
            entity="User",
            description="ID of the user whose keys are required",
        )
    ],
    object_name="userkeys",
    response_class="RegisterResponse",
    since="4.10.0",
)
def get_user_keys(call: Call, args: Args) -> ObjectResult:
    """This command allows the user to query the secret and API keys for the account"""
    user: User = args.id
    account, _domain = check_user_access(call, user)
    apikey, secret = read_keys(user, call.runtime.secrets)
    access = user.api_key_access if user.api_key_access is not None else account.api_key_access
    return ObjectResult(
        {"apikey": apikey, "secretkey": secret, "apikeyaccess": True if access is None else access}
    )
