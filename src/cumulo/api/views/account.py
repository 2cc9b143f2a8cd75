"""AccountResponse, with its nested users and resource limit fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.resource_limit import limit_fields
from cumulo.api.views.user import user_view
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role
from cumulo.services import accounts, limits
from cumulo.services.configuration import ConfigStore

API_KEY_ACCESS_TEXT = {True: "Enabled", False: "Disabled", None: "Inherit"}


def account_view(
    session: Session,
    config: ConfigStore,
    account: Account,
    domain: Domain,
    caller: Caller,
    *,
    with_resources: bool = True,
    with_users: bool = True,
) -> dict[str, Any]:
    return account_views(
        session,
        config,
        [(account, domain)],
        caller,
        with_resources=with_resources,
        with_users=with_users,
    )[0]


def account_views(
    session: Session,
    config: ConfigStore,
    rows: Sequence[tuple[Any, Any]],
    caller: Caller,
    *,
    with_resources: bool = True,
    with_users: bool = True,
) -> list[dict[str, Any]]:
    """AccountResponses for a page of accounts, with a fixed number of queries.

    ``rows``: (Account, Domain) pairs, or a listAccounts page's Core rows and
    their domains (api/views/account_page.py), which have the same attributes.
    """
    ids = [a.id for a, _d in rows]
    role_ids = {a.role_id for a, _d in rows if a.role_id}
    roles = (
        {r.id: r for r in session.execute(select(Role).where(Role.id.in_(role_ids))).scalars()}
        if role_ids
        else {}
    )
    details = accounts.details_of(session, ids)
    found = limits.page_limits(session, limits.ACCOUNT, ids) if with_resources else {}
    members: dict[int, list[User]] = {i: [] for i in ids}
    if with_users and ids:
        for u in session.execute(
            select(User).where(User.account_id.in_(ids), User.removed.is_(None)).order_by(User.id)
        ).scalars():
            members[u.account_id].append(u)
    # The configured defaults depend only on the account's type (and exemption): read
    # them once per page, not 12 settings for each of 500 accounts.
    defaults: dict[tuple[int, bool], dict[int, int]] = {}

    def effective(account: Account) -> dict[int, int]:
        key = (account.type, limits.is_exempt(account))
        if key not in defaults:
            defaults[key] = limits.account_limits(session, config, account, {})
        own = found[account.id][0]
        return {**defaults[key], **own} if own else defaults[key]

    out = []
    for account, domain in rows:
        role = roles.get(account.role_id) if account.role_id else None
        fields = _account_fields(account, domain, role)
        if details.get(account.id):
            fields["accountdetails"] = details[account.id]
        if with_resources:
            fields.update(limit_fields(effective(account), found[account.id][1]))
            fields["vmstopped"] = 0
            fields["vmrunning"] = 0
        if with_users:
            fields["user"] = [
                user_view(u, account, domain, role, caller) for u in members[account.id]
            ]
        out.append(fields)
    return out


def _account_fields(account: Account, domain: Domain, role: Role | None) -> dict[str, Any]:
    return {
        "id": account.uuid,
        "name": account.name,
        "accounttype": account.type,
        "roleid": role.uuid if role else None,
        "roletype": role.role_type if role else None,
        "rolename": role.name if role else None,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
        "state": account.state,
        "networkdomain": account.network_domain,
        "isdefault": account.is_default,
        "iscleanuprequired": False,
        "created": account.created,
        "apikeyaccess": API_KEY_ACCESS_TEXT[account.api_key_access],
    }
