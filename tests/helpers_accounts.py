"""Accounts for tests that need callers other than the root admin.

The account commands belong to another area; these rows are made the way
those commands store them, straight through the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from cumulo.api.roles import ACCOUNT_TYPE_FOR_ROLE, BUILTIN_ROLE_IDS, RoleType
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.services.keys import register_keys
from cumulo.services.passwords import hash_password
from tests.support.client import ApiClient
from tests.support.cloud import Cloud


@dataclass
class ApiUser:
    client: ApiClient
    account_id: int
    account_uuid: str
    account_name: str
    user_id: int
    domain_id: int


def make_user(
    cloud: Cloud,
    name: str,
    role: RoleType = RoleType.USER,
    domain_id: int = Domain.ROOT_ID,
    password: str = "secret-pw",
) -> ApiUser:
    def work(session):  # type: ignore[no-untyped-def]
        account = Account(
            name=name,
            type=ACCOUNT_TYPE_FOR_ROLE[role],
            role_id=BUILTIN_ROLE_IDS[role],
            domain_id=domain_id,
        )
        session.add(account)
        session.flush()
        user = User(
            username=name,
            password=hash_password(password),
            account_id=account.id,
            domain_id=domain_id,
        )
        session.add(user)
        session.flush()
        apikey, secret = register_keys(session, user, cloud.rt.secrets)
        return account.id, account.uuid, user.id, apikey, secret

    account_id, account_uuid, user_id, apikey, secret = cloud.rt.db.run(work)
    return ApiUser(cloud.client(apikey, secret), account_id, account_uuid, name, user_id, domain_id)


def make_domain(cloud: Cloud, name: str) -> dict[str, str]:
    return cloud.admin.call("createDomain", name=name)["domain"]  # type: ignore[no-any-return]


def domain_internal_id(cloud: Cloud, uuid: str) -> int:
    from sqlalchemy import select

    return cloud.rt.db.run(
        lambda s: s.execute(select(Domain.id).where(Domain.uuid == uuid)).scalar_one()
    )
