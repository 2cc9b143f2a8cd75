"""Response fields per CloudStack response class, for ``listApis``.

The names and types come from CloudStack's response classes (the same facts
our views emit); the table ships with the package as data.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _table() -> dict[str, list[dict[str, str]]]:
    try:
        text = resources.files("cumulo.data").joinpath("response_fields.json").read_text()
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    return json.loads(text)  # type: ignore[no-any-return]


def response_fields(response_class: str | None) -> list[dict[str, Any]] | None:
    if not response_class:
        return None
    fields = _table().get(response_class)
    if not fields:
        return None
    return [
        {"name": f["name"], "description": f.get("description", ""), "type": f["type"]}
        for f in fields
    ]
