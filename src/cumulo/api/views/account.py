"""AccountResponse, with its nested users and resource limit fields."""

from __future__ import annotations

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
    role = session.get(Role, account.role_id) if account.role_id else None
    fields: dict[str, Any] = {
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
    details = accounts.details_of(session, [account.id]).get(account.id)
    if details:
        fields["accountdetails"] = details
    if with_resources:
        fields.update(
            limit_fields(
                limits.account_limits(session, config, account),
                limits.counts(session, limits.ACCOUNT, account.id),
            )
        )
        fields["vmstopped"] = 0
        fields["vmrunning"] = 0
    if with_users:
        members = session.execute(
            select(User)
            .where(User.account_id == account.id, User.removed.is_(None))
            .order_by(User.id)
        ).scalars()
        fields["user"] = [user_view(u, account, domain, role, caller) for u in members]
    return fields
