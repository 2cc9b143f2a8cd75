"""Validated arguments of one call: parsed from the wire, resolved in the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.params import ParamType, convert, is_internal_id, parse_map
from cumulo.db.base import Base
from cumulo.errors import InvalidParameter

if TYPE_CHECKING:
    from cumulo.api.context import Caller
    from cumulo.api.declaration import Command

_ABSENT = object()


class Args:
    """Declared parameters by lower-cased name; absent ones read as ``None``.

    UUID parameters that name an entity hold the model row once ``resolve``
    has run (removed rows included, as CloudStack does); ``projectid=-1``
    stays the string ``"-1"`` (every project), ``-1`` elsewhere is unknown (431).
    """

    def __init__(self, command: Command, values: dict[str, Any]) -> None:
        self._command = command
        self._values = values

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        if key not in self._command.params_by_key:
            raise AttributeError(f"{self._command.name} declares no parameter {key!r}")
        return self._values.get(key)

    @property
    def command(self) -> Command:
        return self._command

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key, _ABSENT)
        return default if value is _ABSENT or value is None else value

    def given(self, key: str) -> bool:
        return self._values.get(key) is not None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def resolve(self, session: Session) -> None:
        for key, param in self._command.params_by_key.items():
            value = self._values.get(key)
            if value is None or not param.entity:
                continue
            if param.type == ParamType.UUID:
                self._values[key] = resolve_entity(
                    session, param.entity, param.name, value, all_marker=param.all_marker
                )
            elif param.type == ParamType.LIST and param.collection == ParamType.UUID:
                self._values[key] = [
                    resolve_entity(
                        session, param.entity, param.name, v, all_marker=param.all_marker
                    )
                    for v in value
                ]


def model_class(entity: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == entity:
            return mapper.class_
    raise LookupError(f"no model named {entity}")


# CloudStack's "-1" means "every project" for projectid; for any other
# parameter it names no row, and handlers must not receive it as one.
ALL_MARKER = "-1"
ALL_MARKER_PARAMS = frozenset({"projectid"})


def resolve_entity(
    session: Session, entity: str, name: str, value: str, *, all_marker: bool = False
) -> Any:
    if value == ALL_MARKER and (all_marker or name.lower() in ALL_MARKER_PARAMS):
        return value
    cls: Any = model_class(entity)
    if is_internal_id(value):
        stmt = select(cls).where(cls.id == int(value))
    else:
        stmt = select(cls).where(cls.uuid == value)
    found = session.execute(stmt).scalar_one_or_none()
    if found is None:
        raise InvalidParameter(
            f"Invalid parameter {name} value={value} due to incorrect long value format, "
            "or entity does not exist or due to incorrect parameter annotation for the field "
            "in api cmd class."
        )
    return found


def parse_args(command: Command, params: dict[str, str], caller: Caller | None) -> Args:
    """Check presence, length and type of every declared parameter (no database)."""
    values: dict[str, Any] = {}
    for key, param in command.params_by_key.items():
        if (
            param.authorized is not None
            and caller is not None
            and caller.role_type not in param.authorized
        ):
            continue
        if param.unsupported:
            given = any(k == key or k.startswith(key + "[") for k in params if params[k] != "")
            if given:
                raise InvalidParameter(
                    f"Parameter {param.name} of {command.name} is not supported by cumulo yet; "
                    "leave it out"
                )
            continue
        if param.type == ParamType.MAP:
            values[key] = parse_map(key, params)
            if values[key] is None and param.required:
                raise missing(command, param.name)
            continue
        raw = params.get(key)
        if raw is None or (raw == "" and param.type != ParamType.STRING and not param.empty_clears):
            if param.required:
                raise missing(command, param.name)
            continue
        if raw == "" and param.required:
            raise missing(command, param.name)
        if len(raw) > param.length:
            raise InvalidParameter(
                f"Value greater than max allowed length {param.length} for param: {param.name}"
            )
        values[key] = convert(param, raw, command.name)
    return Args(command, values)


def missing(command: Command, name: str) -> InvalidParameter:
    return InvalidParameter(
        f"Unable to execute API command {command.name.lower()} due to missing parameter {name}"
    )
