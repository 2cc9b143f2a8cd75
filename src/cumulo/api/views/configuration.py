"""ConfigurationResponse and ConfigurationGroupResponse."""

from __future__ import annotations

from typing import Any

from cumulo.services.config_catalog import Setting
from cumulo.services.config_groups import Group
from cumulo.services.config_scopes import ScopeRef

# The catalogue's Java-ish types → CloudStack's Configuration.ValueType names.
WIRE_TYPES = {"Integer": "Number", "Long": "Number", "Float": "Decimal"}
# What a secure setting with a value shows instead of it.
MASK = "********"


def display_text(setting: Setting) -> str:
    """CloudStack derives it from the name when the key declares none."""
    if setting.displaytext:
        return setting.displaytext
    words = setting.name.replace(".", " ").replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def configuration_view(setting: Setting, value: str, scope: ScopeRef | None) -> dict[str, Any]:
    return {
        "category": setting.category,
        "name": setting.name,
        "value": MASK if setting.secure and value else value,
        "defaultvalue": setting.default,
        "description": setting.description,
        # The scope asked about in scoped listings; else where the value may be set.
        "scope": scope.kind.lower() if scope else (setting.scopes or ("Global",))[0],
        "id": scope.uuid if scope else None,
        "isdynamic": setting.is_dynamic,
        "component": setting.component,
        "group": setting.group,
        "subgroup": setting.subgroup,
        "parent": setting.parent,
        "displaytext": display_text(setting),
        "type": WIRE_TYPES.get(setting.type, setting.type),
        "options": setting.options,
    }


def group_view(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "precedence": group.precedence,
        "subgroup": [
            {"name": name, "precedence": group.subgroup_precedence(name)}
            for name in group.subgroups
        ],
    }
