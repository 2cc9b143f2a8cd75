"""UserResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.role import Role


def user_view(
    user: User,
    account: Account,
    domain: Domain,
    role: Role | None,
    caller: Caller | None = None,
    *,
    api_key_access: bool | None = None,
) -> dict[str, Any]:
    return {
        "id": user.uuid,
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "email": user.email,
        "created": user.created,
        "state": user.state,
        "account": account.name,
        "accountid": account.uuid,
        "accounttype": account.type,
        "usersource": user.source,
        "roleid": role.uuid if role else None,
        "roletype": role.role_type if role else None,
        "rolename": role.name if role else None,
        "domainid": domain.uuid,
        "domain": domain.name,
        "timezone": user.timezone,
        "apikey": user.api_key,
        "iscallerchilddomain": bool(
            caller
            and domain.path != caller.domain_path
            and domain.path.startswith(caller.domain_path)
        ),
        "isdefault": user.is_default,
        "is2faenabled": False,
        "is2famandated": False,
        "apikeyaccess": api_key_access if api_key_access is not None else user.api_key_access,
    }
