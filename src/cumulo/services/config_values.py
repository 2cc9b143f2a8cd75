"""Changing global settings: validation by type, scoped values, reset.

Reads go through ``ConfigStore``; this module is the write side and the
fresh (uncached) view ``listConfigurations`` shows.
"""

from __future__ import annotations

import math

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.config import ConfigValue
from cumulo.errors import InvalidParameter
from cumulo.services import events
from cumulo.services.config_catalog import CATALOG, Setting
from cumulo.services.config_scopes import ScopeRef
from cumulo.services.secrets import SecretBox, seal_text

_INT_BITS = {"Integer": 31, "Long": 63}
_EXPECTED = {
    "Integer": "an Integer (a whole number)",
    "Long": "a Long (a whole number)",
    "Float": "a Float (a decimal number)",
    "Range": "a decimal number",
    "Boolean": "a Boolean ('true' or 'false')",
}


def find_setting(name: str) -> Setting:
    setting = CATALOG.get(name.strip())
    if setting is None:
        raise InvalidParameter(f"Config parameter with name {name} doesn't exist")
    return setting


def check_scope(setting: Setting, scope: ScopeRef | None) -> None:
    if scope is not None and scope.kind not in setting.scopes:
        allowed = ", ".join(("Global", *setting.scopes))
        raise InvalidParameter(
            f"Invalid scope id provided for the parameter {setting.name}: it can be set "
            f"for {allowed} only, not per {scope.kind}"
        )


def normalise(setting: Setting, value: str) -> str:
    """The value as stored, or 431 naming the type the setting expects."""
    text = value.strip()
    kind = setting.type
    if kind == "Boolean":
        if text.lower() not in ("true", "false"):
            raise _bad_value(setting, value)
        return text.lower()
    if kind == "Select":
        options = [o.strip() for o in (setting.options or "").split(",") if o.strip()]
        for option in options:
            if option.lower() == text.lower():
                return option
        raise InvalidParameter(
            f"Invalid value '{value}' for configuration {setting.name}: expected one of "
            f"{', '.join(options)}"
        )
    if kind in _INT_BITS:
        return str(_check_bounds(setting, _parse_int(setting, text)))
    if kind in ("Float", "Range"):
        return str(_check_bounds(setting, _parse_float(setting, text)))
    return value


def _parse_int(setting: Setting, text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise _bad_value(setting, text) from None
    bits = _INT_BITS[setting.type]
    if not -(2**bits) <= number < 2**bits:
        raise InvalidParameter(
            f"Invalid value '{text}' for configuration {setting.name}: out of range for "
            f"{_EXPECTED[setting.type]}"
        )
    return number


def _parse_float(setting: Setting, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise _bad_value(setting, text) from None
    if not math.isfinite(number):
        raise _bad_value(setting, text)
    return number


def _check_bounds(setting: Setting, number: float) -> float:
    if setting.bounds is not None:
        low, high = setting.bounds
        if not low <= number <= high:
            # Huge upper bounds only mean "no limit": name the lower one alone.
            limits = f"between {low:g} and {high:g}" if high < 2**31 - 1 else f"of at least {low:g}"
            raise InvalidParameter(
                f"Invalid value '{number:g}' for configuration {setting.name}: expected "
                f"{_EXPECTED[setting.type]} {limits}"
            )
    return number


def _bad_value(setting: Setting, value: str) -> InvalidParameter:
    return InvalidParameter(
        f"Invalid value '{value}' for configuration {setting.name}: expected "
        f"{_EXPECTED[setting.type]}"
    )


def stored(session: Session, scope: ScopeRef | None) -> dict[str, str | None]:
    """Values set at ``scope`` (Global when None), by setting name."""
    kind, scope_id = (scope.kind, scope.id) if scope else ("Global", 0)
    rows = session.execute(
        select(ConfigValue.name, ConfigValue.value).where(
            ConfigValue.scope == kind, ConfigValue.scope_id == scope_id
        )
    )
    return {name: value for name, value in rows}


def effective(session: Session, setting: Setting, scope: ScopeRef | None) -> str:
    """Scoped value, else the global value, else the default (CloudStack's ``valueIn``)."""
    if scope is not None:
        value = stored(session, scope).get(setting.name)
        if value is not None:
            return value
    value = stored(session, None).get(setting.name)
    return value if value is not None else setting.default


def update(
    session: Session,
    caller: Caller,
    setting: Setting,
    value: str,
    scope: ScopeRef | None,
    box: SecretBox | None = None,
) -> None:
    """Store a value; an empty value (or "null") clears it, as CloudStack does.

    A secure setting's value is sealed with ``box`` (the cluster key) as given.
    """
    check_scope(setting, scope)
    cleared = value.strip() in ("", "null")
    if cleared:
        new = None
    elif setting.secure:
        assert box is not None, "secure settings need the cluster key"
        new = seal_text(box, value)
    else:
        new = normalise(setting, value)
    _write(session, setting.name, scope, new)
    where = f" for {scope.kind} {scope.uuid}" if scope else ""
    shown = "its default" if new is None else "a new secret" if setting.secure else repr(new)
    events.record(
        session,
        caller,
        "CONFIGURATION.VALUE.EDIT",
        f"Configuration {setting.name} set to {shown}{where}",
        resource_type="Configuration" if scope is None else scope.kind,
        resource_uuid=None if scope is None else scope.uuid,
    )


def reset(session: Session, caller: Caller, setting: Setting, scope: ScopeRef | None) -> None:
    """Forget the value set at ``scope``: the default (or the global value) applies."""
    check_scope(setting, scope)
    _write(session, setting.name, scope, None)
    where = f" for {scope.kind} {scope.uuid}" if scope else ""
    events.record(
        session,
        caller,
        "CONFIGURATION.VALUE.EDIT",
        f"Configuration {setting.name} reset{where}",
        resource_type="Configuration" if scope is None else scope.kind,
        resource_uuid=None if scope is None else scope.uuid,
    )


def _write(session: Session, name: str, scope: ScopeRef | None, value: str | None) -> None:
    kind, scope_id = (scope.kind, scope.id) if scope else ("Global", 0)
    match = (ConfigValue.name == name, ConfigValue.scope == kind, ConfigValue.scope_id == scope_id)
    if value is None:
        session.execute(delete(ConfigValue).where(*match))
        return
    row = session.execute(select(ConfigValue).where(*match)).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(ConfigValue(name=name, scope=kind, scope_id=scope_id, value=value))
            return
        except IntegrityError:
            # Another node set it first (unique name/scope/scope_id): last writer wins.
            row = session.execute(select(ConfigValue).where(*match)).scalar_one()
    row.value = value
    row.updated = utcnow()
    session.flush()
