"""Write an inventory back as TOML (the lab saves the one it runs, for ``doctor``)."""

from __future__ import annotations

import json
from typing import Any

from cumulo.cluster.inventory import Inventory


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _table(header: str, data: dict[str, Any]) -> list[str]:
    lines = [header]
    lines += [f"{k} = {_value(v)}" for k, v in data.items() if v is not None]
    return [*lines, ""]


def dumps(inv: Inventory) -> str:
    data = inv.model_dump(mode="json")
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if isinstance(v, str | int | float)]
    lines.append("")
    for key, value in data.items():
        if isinstance(value, dict) and key in ("networks", "vips"):
            for name, sub in value.items():
                lines += _table(f"[{key}.{name}]", sub)
        elif isinstance(value, dict):
            lines += _table(f"[{key}]", value)
        elif isinstance(value, list):
            for item in value:
                lines += _table(f"[[{key}]]", item)
    return "\n".join(lines)
