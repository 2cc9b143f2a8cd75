"""SSH key pairs: generate, register (validate + fingerprint), delete."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.ssh_keypair import SshKeyPair
from cumulo.errors import InvalidParameter
from cumulo.services import events
from cumulo.services.resource_owner import Owner

KEY_BITS = 2048  # CloudStack generates 2048-bit RSA keys
_HINT = (
    "expected an OpenSSH public key line such as 'ssh-rsa AAAAB3NzaC1yc2E... comment' "
    "(ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521)"
)


def fingerprint(public_key: str) -> str:
    """CloudStack's format: MD5 of the decoded key blob as colon-separated hex."""
    blob = base64.b64decode(public_key.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalise_public_key(text: str) -> str:
    """Validate an OpenSSH public key; return ``type base64 [comment]`` on one line."""
    line = " ".join(text.strip().split())
    parts = line.split(" ")
    if len(parts) < 2:
        raise InvalidParameter(f"Public key is invalid: {_HINT}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidParameter(f"Public key is invalid ({exc}): {_HINT}") from None
    except Exception as exc:  # cryptography's UnsupportedAlgorithm
        raise InvalidParameter(f"Public key is invalid ({exc}): {_HINT}") from None
    if not blob.startswith(len(parts[0]).to_bytes(4, "big") + parts[0].encode()):
        raise InvalidParameter(f"Public key is invalid: key type does not match its data; {_HINT}")
    return line


def find(session: Session, account_id: int, name: str) -> SshKeyPair | None:
    return session.execute(
        select(SshKeyPair).where(SshKeyPair.account_id == account_id, SshKeyPair.name == name)
    ).scalar()


def _check_name(session: Session, owner: Owner, name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("SSH key pair name must not be empty")
    if find(session, owner.account_id, name) is not None:
        raise InvalidParameter(f"A key pair with name '{name}' already exists.")
    return name


def register(
    session: Session, caller: Caller, owner: Owner, name: str, public_key: str
) -> SshKeyPair:
    name = _check_name(session, owner, name)
    key = normalise_public_key(public_key)
    print_ = fingerprint(key)
    taken = session.execute(
        select(SshKeyPair.name).where(
            SshKeyPair.account_id == owner.account_id, SshKeyPair.fingerprint == print_
        )
    ).scalar()
    if taken:
        raise InvalidParameter(
            f"A key pair with the same public key already exists in this account: '{taken}'"
        )
    row = SshKeyPair(
        name=name,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        fingerprint=print_,
        public_key=key,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        caller,
        "REGISTER.SSH.KEYPAIR",
        f"Registered SSH key pair {name}",
        resource_type="SSHKeyPair",
        resource_uuid=row.uuid,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    return row


def create(session: Session, caller: Caller, owner: Owner, name: str) -> tuple[SshKeyPair, str]:
    """Generate a key pair; the private key is returned once and never stored."""
    name = _check_name(session, owner, name)
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        private.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    row = register(session, caller, owner, name, f"{public} {name}")
    return row, pem


def delete(session: Session, caller: Caller, owner: Owner, name: str) -> None:
    row = find(session, owner.account_id, name)
    if row is None:
        raise InvalidParameter(
            f"A key pair with name '{name}' does not exist for account {owner.account.name} "
            f"in domain {owner.domain.name}"
        )
    session.delete(row)
    events.record(
        session,
        caller,
        "DELETE.SSH.KEYPAIR",
        f"Deleted SSH key pair {name}",
        resource_type="SSHKeyPair",
        resource_uuid=row.uuid,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
