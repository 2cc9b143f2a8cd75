"""A VM's guest credentials: resetSSHKeyForVirtualMachine, getVMPassword (§6.7)."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import VM, owned_vm, result_tx, with_password
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services.resource_owner import resolve_owner
from cumulo.services.vms import credentials

S, U = ParamType.STRING, ParamType.UUID


@command(
    "resetSSHKeyForVirtualMachine",
    params=[
        Param("id", U, required=True, entity="VMInstance", description="The ID of the VM"),
        Param("keypair", S, description="name of the ssh key pair used to login to the VM"),
        Param(
            "keypairs",
            ParamType.LIST,
            collection=S,
            since="4.17",
            description="names of the ssh key pairs to be used to login to the VM",
        ),
        Param("account", S, description="the account owning the key pairs (with domainid)"),
        Param("domainid", U, entity="Domain", description="the domain of that account"),
        Param("projectid", U, entity="Project", description="the project owning the key pairs"),
    ],
    kind=Kind.ASYNC,
    response_name="resetSSHKeyforvirtualmachineresponse",
    **VM,  # type: ignore[arg-type]
)
def reset_ssh_key(call: Call, args: Args) -> Enqueue:
    """Resets the SSH Key for virtual machine. The virtual machine must be in a "Stopped"
    state. [async]"""
    vm = owned_vm(call, args.id)
    account_id = vm.account_id
    if args.account or args.domainid is not None or args.projectid is not None:
        owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
        if owner.account_id != vm.account_id:
            raise InvalidParameter(
                f"The key pairs must belong to the owner of VM {vm.name}; give that account "
                "(or project), or leave account/domainid/projectid out"
            )
        account_id = owner.account_id
    names = list(args.keypairs or []) + ([args.keypair] if args.keypair else [])
    pairs = credentials.keypairs(call.db, account_id, [n.strip() for n in names if n.strip()])
    password = credentials.reset_keys(call.db, call.caller, vm, pairs, call.runtime.secrets)
    # The password stays sealed in vm_instance.password: never clear text in the job row.
    return Enqueue({"vm_id": vm.id, "new_password": password is not None}, instance_uuid=vm.uuid)


@reset_ssh_key.execute
def _reset_ssh_key(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    # Everything changed in the handler's transaction; CloudStack answers with the VM
    # (and its new password when the template is password-enabled).
    if payload.get("new_password") or payload.get("password"):
        return with_password(job, int(payload["vm_id"]))
    return result_tx(job, int(payload["vm_id"]))


@command(
    "getVMPassword",
    params=[Param("id", U, required=True, entity="VMInstance", description="The ID of the VM")],
    roles=ALL_ROLES,
    object_name="password",
    response_class="GetVMPasswordResponse",
)
def get_vm_password(call: Call, args: Args) -> ObjectResult:
    """Returns an encrypted password for the VM"""
    vm = owned_vm(call, args.id)
    secret = credentials.encrypted_password(call.db, vm, call.runtime.secrets)
    return ObjectResult({"encryptedpassword": secret})
