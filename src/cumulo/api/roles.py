"""CloudStack's four role types and the account types they map to."""

from __future__ import annotations

from enum import StrEnum


class RoleType(StrEnum):
    ADMIN = "Admin"
    RESOURCE_ADMIN = "ResourceAdmin"
    DOMAIN_ADMIN = "DomainAdmin"
    USER = "User"


ALL_ROLES = frozenset(RoleType)
ADMIN_ONLY = frozenset({RoleType.ADMIN})
ADMINS = frozenset({RoleType.ADMIN, RoleType.RESOURCE_ADMIN, RoleType.DOMAIN_ADMIN})
DOMAIN_ADMINS = frozenset({RoleType.ADMIN, RoleType.DOMAIN_ADMIN})

# Built-in roles keep CloudStack's internal ids (RoleType.java).
BUILTIN_ROLE_IDS = {
    RoleType.ADMIN: 1,
    RoleType.RESOURCE_ADMIN: 2,
    RoleType.DOMAIN_ADMIN: 3,
    RoleType.USER: 4,
}

# Account.Type ordinal for each role type, and back.
ACCOUNT_TYPE_FOR_ROLE = {
    RoleType.USER: 0,
    RoleType.ADMIN: 1,
    RoleType.DOMAIN_ADMIN: 2,
    RoleType.RESOURCE_ADMIN: 3,
}
ROLE_FOR_ACCOUNT_TYPE = {v: k for k, v in ACCOUNT_TYPE_FOR_ROLE.items()}


def parse_role_type(value: str) -> RoleType | None:
    for rt in RoleType:
        if rt.value.lower() == value.strip().lower():
            return rt
    return None
