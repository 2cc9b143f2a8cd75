"""Encoding envelopes as CloudStack's JSON and XML."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

from cumulo import CLOUDSTACK_API_VERSION
from cumulo.api.envelope import clean

# Characters XML 1.0 cannot carry even escaped; they become U+FFFD so that a
# stored name never makes a whole response unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"


def to_json(wrapper: str, body: dict[str, Any]) -> bytes:
    return orjson.dumps({wrapper: clean(body)})


def to_xml(wrapper: str, body: dict[str, Any], *, show_version: bool = True) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    attr = f" cloud-stack-version={quoteattr(CLOUDSTACK_API_VERSION)}" if show_version else ""
    parts.append(f"<{wrapper}{attr}>")
    _xml_fields(parts, clean(body))
    parts.append(f"</{wrapper}>")
    return "".join(parts).encode()


def xml_text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _xml_fields(parts: list[str], fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            parts.append(f"<{key}>")
            if isinstance(item, dict):
                _xml_fields(parts, item)
            elif isinstance(item, bool):
                parts.append("true" if item else "false")
            else:
                parts.append(xml_text(str(item)))
            parts.append(f"</{key}>")
