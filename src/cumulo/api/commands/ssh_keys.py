"""SSH key pair commands (§6.11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.ssh_keypair import SshKeyPair
from cumulo.errors import InvalidParameter
from cumulo.services import ssh_keys
from cumulo.services.resource_owner import resolve_owner

OWNER_PARAMS = [
    Param(
        "account",
        STRING,
        description="an optional account for the ssh key. Must be used with domainId.",
    ),
    Param(
        "domainid",
        UUID,
        entity="Domain",
        description="an optional domainId for the ssh key. "
        "If the account parameter is used, domainId must also be used.",
    ),
    Param("projectid", UUID, entity="Project", description="an optional project for the ssh key"),
]


def keypair_view(row: SshKeyPair, account: Account, domain: Domain) -> dict[str, Any]:
    return {
        "id": row.uuid,
        "name": row.name,
        "account": account.name,
        "domainid": domain.uuid,
        "domain": domain.name,
        "fingerprint": row.fingerprint,
        "hasannotations": False,
    }


def _owner(call: Call, args: Args):  # type: ignore[no-untyped-def]
    return resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)


@command(
    "createSSHKeyPair",
    params=[Param("name", STRING, required=True, description="Name of the keypair"), *OWNER_PARAMS],
    roles=ALL_ROLES,
    object_name="keypair",
    response_class="CreateSSHKeyPairResponse",
)
def create_ssh_key_pair(call: Call, args: Args) -> ObjectResult:
    """Create a new keypair and returns the private key"""
    owner = _owner(call, args)
    row, private = ssh_keys.create(call.db, call.caller, owner, args.name)
    return ObjectResult({"privatekey": private, **keypair_view(row, owner.account, owner.domain)})


@command(
    "registerSSHKeyPair",
    params=[
        Param("name", STRING, required=True, description="Name of the keypair"),
        Param(
            "publickey",
            STRING,
            required=True,
            length=5120,
            description="Public key material of the keypair",
        ),
        *OWNER_PARAMS,
    ],
    roles=ALL_ROLES,
    object_name="keypair",
    response_class="SSHKeyPairResponse",
)
def register_ssh_key_pair(call: Call, args: Args) -> ObjectResult:
    """Register a public key in a keypair under a certain name"""
    owner = _owner(call, args)
    row = ssh_keys.register(call.db, call.caller, owner, args.name, args.publickey)
    return ObjectResult(keypair_view(row, owner.account, owner.domain))


@command(
    "deleteSSHKeyPair",
    params=[Param("name", STRING, required=True, description="Name of the keypair"), *OWNER_PARAMS],
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_ssh_key_pair(call: Call, args: Args) -> SuccessResult:
    """Deletes a keypair by name"""
    ssh_keys.delete(call.db, call.caller, _owner(call, args), args.name)
    return SuccessResult()


@command(
    "listSSHKeyPairs",
    params=[
        Param("id", UUID, description="the ID of the ssh keypair"),
        Param("name", STRING, description="A key pair name to look for"),
        Param("fingerprint", STRING, description="A public key fingerprint to look for"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="sshkeypair",
    response_class="SSHKeyPairResponse",
)
def list_ssh_key_pairs(call: Call, args: Args) -> ListResult:
    """List registered keypairs"""
    scope = list_scope(call.db, call.caller, args)
    scope_clause = scope.where(SshKeyPair.account_id, SshKeyPair.domain_id, SshKeyPair.domain_path)
    stmt = (
        select(SshKeyPair, Account, Domain)
        .join(Account, Account.id == SshKeyPair.account_id)
        .join(Domain, Domain.id == SshKeyPair.domain_id)
        .where(scope_clause)
    )
    if args.id is not None:
        if not _is_uuid(args.id):
            raise InvalidParameter(f"Invalid id {args.id}: expected a UUID")
        stmt = stmt.where(SshKeyPair.uuid == args.id)
    if args.name is not None:
        stmt = stmt.where(SshKeyPair.name == args.name)
    if args.fingerprint is not None:
        stmt = stmt.where(SshKeyPair.fingerprint == args.fingerprint.lower())
    if args.keyword:
        stmt = stmt.where(SshKeyPair.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(SshKeyPair.id), call, args)
    return ListResult([keypair_view(k, a, d) for k, a, d in rows], count)


def _is_uuid(value: str) -> bool:
    from cumulo.api.params import is_uuid

    return is_uuid(value)
