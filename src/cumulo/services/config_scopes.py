"""The objects a setting's value can be scoped to, found by model name.

A scope is resolved through the model registry, so Zone, Cluster, StoragePool
and ImageStore scopes start working the moment those models exist, with no
change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.base import Base
from cumulo.errors import InvalidParameter

# Scope name (as the catalogue and the configuration table spell it) → model class name.
SCOPE_MODELS: dict[str, str] = {
    "Zone": "Zone",
    "Cluster": "Cluster",
    "StoragePool": "StoragePool",
    "Account": "Account",
    "Domain": "Domain",
    "ImageStore": "ImageStore",
}


@dataclass(frozen=True)
class ScopeRef:
    """One scope object: its kind, internal id (stored) and uuid (shown)."""

    kind: str
    id: int
    uuid: str


def find_model(name: str) -> type[Any] | None:
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    return None


def resolve_scope(session: Session, kind: str, param: str, value: str) -> ScopeRef:
    """The live object of ``kind`` named by uuid ``value``; 431 when there is none."""
    model = find_model(SCOPE_MODELS[kind])
    row = None
    if model is not None:
        row = session.execute(select(model).where(model.uuid == value)).scalar_one_or_none()
    if row is None or getattr(row, "removed", None) is not None:
        raise InvalidParameter(
            f"Invalid parameter {param} value={value}: no {kind} with this id exists"
        )
    return ScopeRef(kind, row.id, row.uuid)


def pick_scope(session: Session, given: dict[str, tuple[str, str]]) -> ScopeRef | None:
    """The one scope among ``{kind: (param, uuid)}``; None for Global."""
    present = {k: v for k, v in given.items() if v[1] is not None}
    if len(present) > 1:
        raise InvalidParameter(
            "cannot handle multiple IDs, provide only one ID corresponding to the scope"
        )
    if not present:
        return None
    ((kind, (param, value)),) = present.items()
    return resolve_scope(session, kind, param, value)
