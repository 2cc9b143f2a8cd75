"""Account commands (§6.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page, like_escaped
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMINS, ALL_ROLES
from cumulo.api.scope import find_account, list_scope
from cumulo.api.views import account_page
from cumulo.api.views.account import account_view, account_views
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import accounts, ownership, projects, users

ACCOUNT_FIELDS: dict[str, Any] = dict(object_name="account", response_class="AccountResponse")
DETAILS_MIN = {"min"}


def merged_map(value: dict[int, dict[str, str]] | None) -> dict[str, str]:
    """``accountdetails[0].k=v`` records merged into one map, as CloudStack reads them."""
    out: dict[str, str] = {}
    for _index, fields in sorted((value or {}).items()):
        out.update(fields)
    return out


def view(call: Call, account: Account, **kw: Any) -> dict[str, Any]:
    domain = ownership.domain_of(call.db, account)
    return account_view(call.db, call.runtime.config, account, domain, call.caller, **kw)


def target_account(session: Session, call: Call, args: Args) -> Account:
    """``id``, or ``account`` + ``domainid`` (the caller's domain by default)."""
    if args.get("id") is not None:
        account: Account = args.id
        ownership.live(account)
        return account
    if args.get("account"):
        domain: Domain | None = args.get("domainid")
        return find_account(session, args.account, domain.id if domain else call.caller.domain_id)
    raise InvalidParameter("Provide id, or account and domainid, to name the account")


@command(
    "createAccount",
    params=[
        Param("username", STRING, required=True, description="Unique username"),
        Param("password", STRING, required=True, description="Clear text password"),
        Param("email", STRING, required=True, description="email"),
        Param("firstname", STRING, required=True, description="firstname"),
        Param("lastname", STRING, required=True, description="lastname"),
        Param("account", STRING, description="Name of the account; defaults to the username"),
        Param(
            "accounttype",
            INTEGER,
            description="Type of the account: 0 user, 1 root admin, 2 domain admin",
        ),
        Param("roleid", UUID, entity="Role", description="Creates the account under this role"),
        Param("domainid", UUID, entity="Domain", description="Creates the account in this domain"),
        Param("timezone", STRING, description="Time zone of the user"),
        Param("networkdomain", STRING, description="Network domain for the account's networks"),
        Param("accountdetails", MAP, description="Details for the account"),
        Param("accountid", STRING, description="Account UUID, for adding from another region"),
        Param("userid", STRING, description="User UUID, for adding from another region"),
    ],
    roles=ADMINS,
    **ACCOUNT_FIELDS,
)
def create_account(call: Call, args: Args) -> ObjectResult:
    """Creates an account"""
    account = accounts.create(
        call.db,
        call.caller,
        accounts.NewAccount(
            name=args.account,
            account_type=args.accounttype,
            role=args.roleid,
            domain=args.domainid,
            network_domain=args.networkdomain,
            details=merged_map(args.accountdetails),
            uuid=args.accountid,
        ),
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
    return ObjectResult(view(call, account))


@command(
    "updateAccount",
    params=[
        Param("id", UUID, entity="Account", description="Account UUID"),
        Param("account", STRING, description="Current account name"),
        Param("domainid", UUID, entity="Domain", description="The domain of the account"),
        Param("newname", STRING, description="New name for the account"),
        Param("roleid", UUID, entity="Role", description="The UUID of the dynamic role to set"),
        Param("networkdomain", STRING, description="Network domain for the account's networks"),
        Param("accountdetails", MAP, description="Details for the account"),
        Param(
            "apikeyaccess",
            STRING,
            since="4.20.1.0",
            description="Whether API keys of the account's users work: Enabled, Disabled, Inherit",
        ),
    ],
    roles=ADMINS,
    **ACCOUNT_FIELDS,
)
def update_account(call: Call, args: Args) -> ObjectResult:
    """Updates account information for the authenticated user"""
    account = target_account(call.db, call, args)
    accounts.update(
        call.db,
        call.caller,
        account,
        accounts.AccountChanges(
            new_name=args.newname,
            role=args.roleid,
            network_domain=args.networkdomain,
            details=merged_map(args.accountdetails),
            api_key_access=args.apikeyaccess,
        ),
    )
    return ObjectResult(view(call, account))


@command(
    "deleteAccount",
    params=[Param("id", UUID, required=True, entity="Account", description="Account id")],
    kind=Kind.ASYNC,
    roles=ADMINS,
    instance_type="Account",
    response_class="SuccessResponse",
)
def delete_account(call: Call, args: Args) -> Enqueue:
    """Deletes an account and all its users (VMs, networks ... are cleaned up)"""
    account: Account = args.id
    ownership.check_manage(call.db, call.caller, account)
    accounts.check_changeable(call.caller, account)
    managed = projects.solely_managed(call.db, account)
    if managed:
        raise InvalidParameter(
            f"Account {account.name} is the only admin of project(s) {', '.join(managed)}; "
            "delete them or make another account their owner first"
        )
    return Enqueue({"account_id": account.id}, instance_uuid=account.uuid)


@delete_account.execute
def _delete_account(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    def work(session: Session) -> None:
        account = session.get(Account, payload["account_id"])
        assert account is not None
        if account.removed is None:  # an adopted job may find it done
            accounts.remove(session, job.caller, account)

    job.transaction(work)
    return SuccessResult()


@command(
    "disableAccount",
    params=[
        Param("id", UUID, entity="Account", description="Account id"),
        Param("account", STRING, description="Disables the account with this name"),
        Param("domainid", UUID, entity="Domain", description="The domain of the account"),
        Param(
            "lock",
            BOOLEAN,
            required=True,
            description="If true, only lock the account; else disable it",
        ),
    ],
    kind=Kind.ASYNC,
    roles=ADMINS,
    instance_type="Account",
    **ACCOUNT_FIELDS,
)
def disable_account(call: Call, args: Args) -> Enqueue:
    """Disables an account"""
    account = target_account(call.db, call, args)
    ownership.check_manage(call.db, call.caller, account)
    accounts.check_changeable(call.caller, account)
    state = "locked" if args.lock else "disabled"
    return Enqueue({"account_id": account.id, "state": state}, instance_uuid=account.uuid)


@disable_account.execute
def _disable_account(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    def work(session: Session) -> dict[str, Any]:
        account = session.get(Account, payload["account_id"])
        assert account is not None
        accounts.set_state(session, job.caller, account, payload["state"])
        domain = ownership.domain_of(session, account)
        return account_view(session, job.runtime.config, account, domain, job.caller)

    return ObjectResult(job.transaction(work), object_name="account")


@command(
    "enableAccount",
    params=[
        Param("id", UUID, entity="Account", description="Account id"),
        Param("account", STRING, description="Enables the account with this name"),
        Param("domainid", UUID, entity="Domain", description="The domain of the account"),
    ],
    roles=ADMINS,
    **ACCOUNT_FIELDS,
)
def enable_account(call: Call, args: Args) -> ObjectResult:
    """Enables an account"""
    account = target_account(call.db, call, args)
    accounts.set_state(call.db, call.caller, account, "enabled")
    return ObjectResult(view(call, account))


@command(
    "lockAccount",
    params=[
        Param("account", STRING, required=True, description="Locks the account with this name"),
        Param("domainid", UUID, required=True, entity="Domain", description="The account's domain"),
    ],
    roles=ADMINS,
    **ACCOUNT_FIELDS,
)
def lock_account(call: Call, args: Args) -> ObjectResult:
    """This deprecated function used to locks an account. Look for the API DisableAccount
    instead"""
    account = target_account(call.db, call, args)
    accounts.set_state(call.db, call.caller, account, "locked")
    return ObjectResult(view(call, account))


@command(
    "listAccounts",
    params=[
        Param("id", UUID, entity="Account", description="List account by account ID"),
        Param("name", STRING, description="List account by account name"),
        Param("accounttype", INTEGER, description="List accounts by account type"),
        Param("state", STRING, description="List accounts by state"),
        Param("domainid", UUID, entity="Domain", description="List only accounts of this domain"),
        Param("isrecursive", BOOLEAN, description="With domainid, include subdomains"),
        Param("listall", BOOLEAN, description="List all accounts the caller may see"),
        Param("iscleanuprequired", BOOLEAN, description="List accounts needing cleanup"),
        Param(
            "details",
            LIST,
            collection=STRING,
            description="comma separated list of account details requested: all, min, resource",
        ),
        Param("showicon", BOOLEAN, description="flag to display the resource icon for accounts"),
        Param("tag", STRING, since="4.20.0", description="Tag for resource type to return usage"),
        Param(
            "apikeyaccess",
            STRING,
            since="4.20.1.0",
            description="List accounts by API key access: Enabled, Disabled, Inherit",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    **ACCOUNT_FIELDS,
)
def list_accounts(call: Call, args: Args) -> ListResult:
    """Lists accounts and provides detailed account information for listed accounts"""
    caller = call.caller
    values: dict[str, Any] = {}
    if args.id is not None:
        ownership.check_read(call.db, caller, args.id)
        values["id"] = args.id.id
    else:
        # Project accounts are left out by type below: no need to look them up.
        scope = list_scope(call.db, caller, args, skip_projects=False)
        values.update(account_page.scope_values(scope))
    if args.name is not None:
        values["name"] = args.name
    if args.accounttype is not None:
        values["type"] = args.accounttype
    if args.state is not None:
        values["state"] = args.state.lower()
    if args.apikeyaccess is not None:
        wanted = users.parse_api_key_access(caller, args.apikeyaccess)
        values["api_key_inherit" if wanted is None else "api_key_access"] = wanted
    if args.keyword:
        values["keyword"] = "%" + like_escaped(args.keyword) + "%"
    query = account_page.list_query(*(key in values for key in account_page.FILTERS))
    values.pop("api_key_inherit", None)  # a flag only: IS NULL binds nothing
    page, count = fetch_page(call.db, query, call, args, values)
    rows = account_page.page_rows(page)
    details = {d.lower() for d in (args.details or [])}
    brief = bool(details) and details <= DETAILS_MIN
    items = account_views(
        call.db,
        call.runtime.config,
        rows,
        caller,
        with_resources=not brief,
        with_users=not brief,
    )
    return ListResult(items, count)
