"""A VM's guest credentials: its password and its SSH key pairs.

The password of a VM deployed from a password-enabled template is kept sealed
with the cluster key (``vm_instance.password``). getVMPassword hands it out
the way CloudStack does: encrypted with the RSA public key of the VM's SSH key
pair (PKCS#1 v1.5), base64, so only the holder of the private key can read it.
"""

from __future__ import annotations

import base64
import secrets
import string
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.ssh_keypair import SshKeyPair
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InvalidParameter
from cumulo.services.states import vm as vm_states
from cumulo.services.vms.common import vm_event

NO_PASSWORD = (
    "No password for VM with specified id found. If VM is created from password enabled "
    "template and SSH keypair is assigned to VM then only password can be retrieved."
)


class Sealer(Protocol):
    def seal(self, plaintext: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...


def generate() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def password_enabled(session: Session, vm: VMInstance) -> bool:
    tpl = session.get(VMTemplate, vm.template_id) if vm.template_id else None
    return tpl is not None and tpl.password_enabled


def set_new_password(session: Session, vm: VMInstance, sealer: Sealer) -> str | None:
    """A fresh password for a VM of a password-enabled template (None for the others)."""
    if not password_enabled(session, vm):
        return None
    password = generate()
    vm.password = sealer.seal(password)
    return password


def keypairs(session: Session, account_id: int, names: list[str]) -> list[SshKeyPair]:
    """The account's key pairs by name, in the order given; 431 for a name it lacks."""
    found = []
    for name in names:
        row = session.execute(
            select(SshKeyPair).where(SshKeyPair.name == name, SshKeyPair.account_id == account_id)
        ).scalar_one_or_none()
        if row is None:
            raise InvalidParameter(
                f"A key pair named {name} was not found for the VM's account; register it with "
                "registerSSHKeyPair or create it with createSSHKeyPair"
            )
        if row not in found:
            found.append(row)
    return found


def reset_keys(
    session: Session, caller: Caller, vm: VMInstance, pairs: list[SshKeyPair], sealer: Sealer
) -> str | None:
    """resetSSHKeyForVirtualMachine: new key pairs (VM Stopped) and, as CloudStack does for a
    password-enabled template, a new password; returns that password."""
    if vm.state != vm_states.STOPPED:
        raise InvalidParameter(
            f"VM {vm.name} is {vm.state}; stop it first: SSH keys are reset only on a Stopped VM"
        )
    if not pairs:
        raise InvalidParameter("Give the key pair(s) to set: keypair or keypairs")
    vm.ssh_keypair_names = ",".join(p.name for p in pairs)
    password = set_new_password(session, vm, sealer)
    vm.version += 1
    vm_event(session, caller, vm, "VM.RESETSSHKEY", "Reset SSH key pair of VM")
    return password


def _public_key(session: Session, vm: VMInstance) -> rsa.RSAPublicKey | None:
    """The RSA key of the VM's first key pair (CloudStack encrypts with that one)."""
    names = [n for n in (vm.ssh_keypair_names or "").split(",") if n]
    if not names:
        return None
    row = session.execute(
        select(SshKeyPair).where(
            SshKeyPair.name == names[0], SshKeyPair.account_id == vm.account_id
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    try:
        key = serialization.load_ssh_public_key(row.public_key.encode())
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def encrypted_password(session: Session, vm: VMInstance, sealer: Sealer) -> str:
    """getVMPassword: the password RSA-encrypted with the VM's SSH public key, base64."""
    if vm.password is None or not password_enabled(session, vm):
        raise InvalidParameter(NO_PASSWORD)
    key = _public_key(session, vm)
    if key is None:
        raise InvalidParameter(NO_PASSWORD)
    cipher = key.encrypt(sealer.open(vm.password).encode(), padding.PKCS1v15())
    return base64.b64encode(cipher).decode()
