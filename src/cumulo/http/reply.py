"""A finished HTTP answer, built off the event loop and sent by the ASGI app."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cumulo.api.envelope import error_body
from cumulo.api.errorcodes import ErrorCode
from cumulo.http.render import JSON_TYPE, XML_TYPE, to_json, to_xml

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1;mode=block",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)


def envelope(wrapper: str, body: dict[str, Any], *, json: bool, status: int = 200) -> Reply:
    if json:
        return Reply(status, to_json(wrapper, body), JSON_TYPE, dict(SECURITY_HEADERS))
    return Reply(status, to_xml(wrapper, body), XML_TYPE, dict(SECURITY_HEADERS))


def error_reply(
    wrapper: str,
    code: ErrorCode,
    text: str,
    *,
    json: bool,
    uuids: list[tuple[str, str]] | None = None,
) -> Reply:
    reply = envelope(wrapper, error_body(code, text, uuids or []), json=json, status=code.http)
    reply.headers["X-Description"] = header_safe(text)
    return reply


def header_safe(text: str) -> str:
    """One printable ASCII line: clients decode headers as ASCII or UTF-8, never latin-1."""
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return _CONTROL.sub(" ", ascii_text)[:512]


def plain(status: int, text: str) -> Reply:
    return Reply(status, text.encode(), "text/plain; charset=UTF-8", dict(SECURITY_HEADERS))
