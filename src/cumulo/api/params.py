"""Parameter declarations and the parsing of wire values into Python values."""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Any

from cumulo.errors import InvalidParameter, MalformedParameter


class ParamType(StrEnum):
    """CloudStack's ``BaseCmd.CommandType``, lower-cased as ``listApis`` shows it."""

    STRING = "string"
    UUID = "uuid"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    LONG = "long"
    SHORT = "short"
    DOUBLE = "double"
    FLOAT = "float"
    LIST = "list"
    MAP = "map"
    DATE = "date"
    OBJECT = "object"


@dataclass(frozen=True)
class Param:
    """One API parameter, declared once with its command."""

    name: str
    type: ParamType = ParamType.STRING
    required: bool = False
    length: int = 255
    description: str = ""
    # For UUID parameters (and LIST of UUID): the model class name to resolve.
    entity: str | None = None
    # Element type of a LIST parameter.
    collection: ParamType | None = None
    since: str | None = None
    # Roles allowed to pass it; others have it ignored (None = everyone).
    authorized: frozenset[str] | None = None
    # A CloudStack parameter cumulo does not implement yet: listed by listApis,
    # refused with 431 when a caller gives it (never silently ignored).
    unsupported: bool = False
    # UUID params where CloudStack's "-1" means "all" (zoneid=-1: every zone);
    # the handler then receives the string "-1" instead of a row.
    all_marker: bool = False
    # Values accepted, compared case-insensitively (strings only).
    choices: tuple[str, ...] = field(default=())
    # projectid only: the handler decides who may name the project (an invitee
    # answers an invitation to a project it is not a member of yet), so the
    # generic member check (api.access.check_project) is skipped.
    own_project_check: bool = False
    # An empty value is given, not absent: updateHost hosttags="" clears the tags
    # (an empty list), where an empty non-string parameter is otherwise ignored.
    empty_clears: bool = False

    @property
    def key(self) -> str:
        return self.name.lower()


MAP_KEY = re.compile(r"^([a-z0-9_]+)\[(-?\d+)\]\.([^\[\]]+)$")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
_INT_RANGES = {
    ParamType.SHORT: (-(2**15), 2**15 - 1),
    ParamType.INTEGER: (-(2**31), 2**31 - 1),
    ParamType.LONG: (-(2**63), 2**63 - 1),
}


def parse_map(name: str, raw: dict[str, str]) -> dict[int, dict[str, str]] | None:
    """Collect ``name[i].field=value`` pairs into ``{i: {field: value}}``.

    Keys are already lower-cased. Any key that starts with ``name[`` but does
    not have the ``[int].field`` shape is malformed (430), as in CloudStack.
    """
    prefix = name + "["
    result: dict[int, dict[str, str]] = {}
    for key, value in raw.items():
        if not key.startswith(prefix):
            continue
        m = MAP_KEY.match(key)
        if not m or m.group(1) != name:
            raise MalformedParameter(
                f"Unable to execute API command due to invalid value. Invalid map parameter "
                f"'{key}': expected {name}[<index>].<field>=<value>"
            )
        index = int(m.group(2))
        result.setdefault(index, {})[m.group(3)] = value
    return result or None


def parse_date(name: str, value: str, *, end_of_day: bool = False) -> datetime:
    """CloudStack's accepted date forms; bare dates get 00:00:00 (or 23:59:59)."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.strptime(text, "%Y-%m-%d")
            moment = time(23, 59, 59) if end_of_day else time(0, 0, 0)
            return datetime.combine(day.date(), moment, tzinfo=UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text):
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        return parse_tz_datetime(text)
    except ValueError:
        raise InvalidParameter(
            f"Unable to parse date {value!r} for parameter {name}; use yyyy-MM-dd, "
            "yyyy-MM-dd HH:mm:ss or yyyy-MM-dd'T'HH:mm:ssZ"
        ) from None


def parse_tz_datetime(text: str) -> datetime:
    """ISO-8601 with an offset (``Z``, ``+00:00`` or ``+0000``), as ``expires`` uses."""
    t = text.strip().replace(" ", "+")  # '+' decoded as a space by lax clients
    if t.endswith("Z") and re.search(r"[+-]\d{2}:?\d{2}Z$", t):
        t = t[:-1]  # the legacy "...'Z'Z" form
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    m = re.search(r"([+-])(\d{2})(\d{2})$", t)
    if m:
        t = t[: m.start()] + f"{m.group(1)}{m.group(2)}:{m.group(3)}"
    parsed = datetime.fromisoformat(t)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def is_internal_id(value: str) -> bool:
    """A database id as old clients send it: ASCII digits that fit a Java long."""
    return bool(_ASCII_DIGITS.fullmatch(value)) and int(value) <= _INT_RANGES[ParamType.LONG][1]


def is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def convert(param: Param, value: str, command: str) -> Any:
    """Turn one wire string into the parameter's Python value (UUIDs stay strings)."""
    t = param.type
    if t == ParamType.BOOLEAN:
        # Java's Boolean.valueOf: anything but "true" is false.
        return value.strip().lower() == "true"
    if t in _INT_RANGES:
        return _to_int(param, value)
    if t in (ParamType.DOUBLE, ParamType.FLOAT):
        try:
            return float(value)
        except ValueError:
            raise _bad_value(param, value) from None
    if t == ParamType.DATE:
        return parse_date(param.name, value, end_of_day=param.key == "enddate")
    if t == ParamType.LIST:
        items = [v.strip() for v in value.split(",") if v.strip()]
        if param.collection and param.collection != ParamType.STRING:
            inner = Param(param.name, param.collection, entity=param.entity)
            return [convert(inner, item, command) for item in items]
        return items
    if t == ParamType.UUID:
        v = value.strip()
        if v == "-1" or is_uuid(v) or (is_internal_id(v) and param.since is None):
            return v
        raise InvalidParameter(
            f"Invalid parameter {param.name} value={value} due to incorrect long value format, "
            "or entity does not exist or due to incorrect parameter annotation for the field "
            "in api cmd class."
        )
    if param.choices and value.lower() not in {c.lower() for c in param.choices}:
        raise InvalidParameter(
            f"Invalid value {value!r} for parameter {param.name}; "
            f"expected one of: {', '.join(param.choices)}"
        )
    return value


def _to_int(param: Param, value: str) -> int:
    # Java's Integer.valueOf: ASCII digits only (Python's int() would take
    # "1_000" and Arabic-Indic digits).
    if not _ASCII_INTEGER.fullmatch(value.strip()):
        raise _bad_value(param, value)
    number = int(value.strip())
    low, high = _INT_RANGES[param.type]
    if not low <= number <= high:
        raise InvalidParameter(f"Value {value} for parameter {param.name} is out of range")
    return number


def _bad_value(param: Param, value: str) -> InvalidParameter:
    shown = value if len(value) <= 64 else value[:64] + "..."
    return InvalidParameter(
        f"Unable to execute API command due to invalid value. Invalid parameter "
        f"{param.name} value={shown} due to incorrect {param.type.value} value format"
    )


# Short names for declarations: Param("name", STRING, required=True).
STRING, UUID, BOOLEAN = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN
INTEGER, LONG, SHORT = ParamType.INTEGER, ParamType.LONG, ParamType.SHORT
DOUBLE, LIST, MAP, DATE = ParamType.DOUBLE, ParamType.LIST, ParamType.MAP, ParamType.DATE
