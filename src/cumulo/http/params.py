"""Request parameters merged the way CloudStack's ApiServlet merges them."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

MAX_BODY_BYTES = 1_048_576
MAX_KEYS = 5000


class RequestTooLarge(Exception):
    pass


def _pieces(raw: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for piece in raw.split("&"):
        if "=" not in piece:
            continue  # CloudStack ignores pieces without '='
        name, _, value = piece.partition("=")
        out.append((unquote_plus(name, errors="replace"), unquote_plus(value, errors="replace")))
    if len(out) > MAX_KEYS:
        raise RequestTooLarge(f"more than {MAX_KEYS} parameters")
    return out


def merge_params(query: str, body: str | None) -> dict[str, str]:
    """Names as received (the signature needs them); one value per name.

    Body parameters keep their first value; query parameters then override,
    the last occurrence winning, as CloudStack's "utf8Fixup" does.
    """
    merged: dict[str, str] = {}
    if body:
        for name, value in _pieces(body):
            merged.setdefault(name, value)
    for name, value in _pieces(query):
        merged[name] = value
    return merged


def lowered(params: dict[str, str]) -> dict[str, str]:
    """Parameter names are case-insensitive for command processing."""
    return {k.lower(): v for k, v in params.items()}


# Control characters other than CR/LF (CloudStack refuses them in any value).
_BAD_CHARACTER = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def bad_character_param(params: dict[str, str]) -> str | None:
    """The first parameter whose value holds a control character other than CR/LF."""
    for name, value in params.items():
        if _BAD_CHARACTER.search(value):
            return name
    return None
