"""First start: the ROOT domain, built-in roles, the system and admin accounts.

CloudStack ships ``admin``/``password``; cumulo generates the admin password and
API keys, shows them once, and stores only a hash and a sealed secret.
"""

from __future__ import annotations

import secrets as pysecrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType
from cumulo.db.models.account import Account, AccountType, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role
from cumulo.db.models.system import SystemProperty
from cumulo.runtime import FINGERPRINT_PROPERTY
from cumulo.services.catalogue_seed import seed_catalogue
from cumulo.services.keys import register_keys
from cumulo.services.passwords import hash_password
from cumulo.services.regions import DEFAULT_ENDPOINT, ensure_local
from cumulo.services.secrets import SecretBox, generate_key_file, read_key_file

DEV_PASSWORD = "password"
ROLE_DESCRIPTIONS = {
    RoleType.ADMIN: "Default root admin role",
    RoleType.RESOURCE_ADMIN: "Default resource admin role",
    RoleType.DOMAIN_ADMIN: "Default domain admin role",
    RoleType.USER: "Default user role",
}
ROLE_NAMES = {
    RoleType.ADMIN: "Root Admin",
    RoleType.RESOURCE_ADMIN: "Resource Admin",
    RoleType.DOMAIN_ADMIN: "Domain Admin",
    RoleType.USER: "User",
}


@dataclass(frozen=True)
class AdminCredentials:
    username: str
    password: str
    apikey: str
    secretkey: str


def ensure_cluster_key(path: Path) -> tuple[bytes, bool]:
    """The installation's key, created on first use. Returns (key, created)."""
    if path.exists():
        return read_key_file(path), False
    return generate_key_file(path), True


def is_bootstrapped(session: Session) -> bool:
    return session.execute(select(Domain.id).where(Domain.id == Domain.ROOT_ID)).first() is not None


def bootstrap(
    session: Session,
    secrets: SecretBox,
    *,
    dev: bool = False,
    admin_password: str | None = None,
    endpoint: str = DEFAULT_ENDPOINT,
) -> AdminCredentials | None:
    """Create the initial identity rows if the database is empty; else do nothing.

    ``endpoint`` is this server's API address, recorded as the local region's.
    """
    if is_bootstrapped(session):
        return None
    password = admin_password or (DEV_PASSWORD if dev else pysecrets.token_urlsafe(18))
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Argon2 runs in C without the GIL: the hash (the first start's biggest
        # single cost) is computed while the other rows are written.
        hashed = pool.submit(hash_password, password)
        session.add(SystemProperty(name=FINGERPRINT_PROPERTY, value=secrets.fingerprint))
        ensure_local(session, endpoint)
        root = _root_and_roles(session)
        admin = _accounts(session, root)
        seed_catalogue(session)
        user = User(
            id=2,
            username="admin",
            firstname="Admin",
            lastname="User",
            password=hashed.result(),
            account_id=admin.id,
            domain_id=root.id,
            is_default=True,
        )
    session.add(user)
    session.flush()
    apikey, secretkey = register_keys(session, user, secrets)
    return AdminCredentials("admin", password, apikey, secretkey)


def _root_and_roles(session: Session) -> Domain:
    root = Domain(id=Domain.ROOT_ID, name="ROOT", path="/", level=0)
    session.add(root)
    for role_type, role_id in BUILTIN_ROLE_IDS.items():
        session.add(
            Role(
                id=role_id,
                name=ROLE_NAMES[role_type],
                role_type=role_type.value,
                description=ROLE_DESCRIPTIONS[role_type],
                is_default=True,
            )
        )
    session.flush()
    return root


def _accounts(session: Session, root: Domain) -> Account:
    """The system and admin accounts, and the system user; returns the admin account."""
    admin_role = BUILTIN_ROLE_IDS[RoleType.ADMIN]
    system = Account(
        id=1,
        name="system",
        type=AccountType.ADMIN,
        role_id=admin_role,
        domain_id=root.id,
        is_default=True,
    )
    admin = Account(
        id=2,
        name="admin",
        type=AccountType.ADMIN,
        role_id=admin_role,
        domain_id=root.id,
        is_default=True,
    )
    session.add_all([system, admin])
    session.flush()
    # The system user never logs in: no password, no keys.
    session.add(
        User(
            id=1,
            username="system",
            firstname="system",
            lastname="cloud",
            account_id=system.id,
            domain_id=root.id,
            is_default=True,
        )
    )
    return admin
