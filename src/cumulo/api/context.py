"""Who is calling, and the handles a command handler works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cumulo.api.roles import RoleType

if TYPE_CHECKING:
    from cumulo.runtime import Runtime


@dataclass(frozen=True)
class Caller:
    """The authenticated user behind a request or a job."""

    user_id: int
    user_uuid: str
    username: str
    account_id: int
    account_uuid: str
    account_name: str
    account_type: int
    domain_id: int
    domain_uuid: str
    domain_path: str
    role_id: int | None
    role_type: RoleType

    @property
    def is_root_admin(self) -> bool:
        return self.role_type == RoleType.ADMIN

    @property
    def is_domain_admin(self) -> bool:
        return self.role_type in (RoleType.DOMAIN_ADMIN, RoleType.RESOURCE_ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.is_root_admin or self.is_domain_admin

    def can_see_domain_path(self, path: str) -> bool:
        """Whether a resource owned under ``path`` is inside the caller's reach."""
        return self.is_root_admin or path.startswith(self.domain_path)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["role_type"] = self.role_type.value
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Caller:
        d = dict(data)
        d["role_type"] = RoleType(d["role_type"])
        return cls(**d)


@dataclass
class Call:
    """One command invocation: the caller, the open transaction, the node."""

    caller: Caller
    db: Session
    runtime: Runtime
    http_method: str = "GET"
    request_id: str = ""
    # Filled by the handler for events and job instance columns.
    notes: dict[str, Any] = field(default_factory=dict)
