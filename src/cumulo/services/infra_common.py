"""Small rules every infrastructure resource shares."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cumulo.errors import InvalidParameter

T = TypeVar("T")
ALLOCATION_STATES = ("Enabled", "Disabled")


def allocation_state(value: str | None, default: str | None = None) -> str | None:
    """Canonical ``Enabled`` / ``Disabled`` (case-insensitive input)."""
    if value is None:
        return default
    for state in ALLOCATION_STATES:
        if value.strip().lower() == state.lower():
            return state
    raise InvalidParameter(f"Invalid allocation state {value!r}; use Enabled or Disabled")


def choice(value: str, options: tuple[str, ...], what: str) -> str:
    for option in options:
        if value.strip().lower() == option.lower():
            return option
    raise InvalidParameter(f"Invalid {what} {value!r}; use one of: {', '.join(options)}")


def live(row: Any, label: str) -> Any:
    """Refuse removed rows (UUID params resolve them too, as CloudStack does)."""
    if row is None or getattr(row, "removed", None) is not None:
        uuid = getattr(row, "uuid", "?")
        raise InvalidParameter(f"Unable to find {label} by id {uuid}; it was removed")
    return row


def flatten_details(raw: dict[int, dict[str, str]] | None) -> dict[str, str]:
    """Map parameters in either form: ``[i].key/.value`` records or ``[i].<name>=<value>``."""
    out: dict[str, str] = {}
    for _index, record in sorted((raw or {}).items()):
        if "key" in record and "value" in record:
            out[record["key"]] = record["value"]
        else:
            out.update(record)
    return out


def save_details(
    session: Session, model: Any, owner_column: str, owner_id: int, details: dict[str, str]
) -> None:
    """Upsert key/value detail rows of one owner."""
    col = getattr(model, owner_column)
    existing = {d.name: d for d in session.execute(select(model).where(col == owner_id)).scalars()}
    for name, value in details.items():
        if name in existing:
            existing[name].value = value
        else:
            session.add(model(**{owner_column: owner_id, "name": name, "value": value}))


def drop_details(session: Session, model: Any, owner_column: str, owner_id: int) -> None:
    session.execute(delete(model).where(getattr(model, owner_column) == owner_id))


def exists(session: Session, stmt: Any) -> bool:
    return session.execute(stmt.limit(1)).first() is not None


def must_get(session: Session, model: type[T], row_id: int) -> T:
    """A row a job saved the id of; it exists (deletes are in the same job or refused)."""
    row = session.get(model, row_id)
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} vanished")
    return row
