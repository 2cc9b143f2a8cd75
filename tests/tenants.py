"""Test helpers: tenant accounts with API keys, made directly in the database.

The account commands belong to another area; these helpers only add the rows
that a signed client needs (account, user, keys) so visibility can be tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cumulo.api.roles import ACCOUNT_TYPE_FOR_ROLE, BUILTIN_ROLE_IDS, RoleType
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.services.keys import register_keys
from tests.support.client import ApiClient
from tests.support.cloud import Cloud, running_cloud, test_settings


@dataclass
class Tenant:
    client: ApiClient
    account_uuid: str
    account_name: str
    domain_uuid: str


def make_domain(cloud: Cloud, name: str, parent: str | None = None) -> str:
    params = {"name": name}
    if parent:
        params["parentdomainid"] = parent
    return cloud.admin.call("createDomain", **params)["domain"]["id"]  # type: ignore[no-any-return]


def make_tenant(
    cloud: Cloud, name: str, domain_uuid: str | None = None, role: RoleType = RoleType.USER
) -> Tenant:
    def work(session):  # type: ignore[no-untyped-def]
        domain = (
            session.query(Domain).filter_by(uuid=domain_uuid).one()
            if domain_uuid
            else session.get(Domain, Domain.ROOT_ID)
        )
        account = Account(
            name=name,
            type=ACCOUNT_TYPE_FOR_ROLE[role],
            role_id=BUILTIN_ROLE_IDS[role],
            domain_id=domain.id,
        )
        session.add(account)
        session.flush()
        user = User(username=name, account_id=account.id, domain_id=domain.id)
        session.add(user)
        session.flush()
        keys = register_keys(session, user, cloud.rt.secrets)
        return keys, account.uuid, domain.uuid

    (apikey, secret), account_uuid, dom = cloud.rt.db.run(work)
    return Tenant(cloud.client(apikey, secret), account_uuid, name, dom)


def admin_account_uuid(cloud: Cloud) -> str:
    return cloud.rt.db.run(lambda s: s.get(Account, 2).uuid)  # type: ignore[no-any-return]


@pytest.fixture(scope="module", name="cloud")
def shared_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """One cloud per test module: the catalogue tests share it and use distinct names."""
    with running_cloud(test_settings(tmp_path_factory.mktemp("data"))) as c:
        yield c
