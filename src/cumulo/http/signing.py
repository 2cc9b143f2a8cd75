"""CloudStack API-key signatures (HMAC-SHA1), verified exactly as Java does.

Java builds ``name=URLEncoder(value)`` for every parameter but ``signature``,
sorted by name as received, joined with ``&``, ``+`` turned into ``%20``, the
whole string lower-cased. Real clients differ slightly (``~`` left raw,
``*`` sent as ``%2A``, names lower-cased before sorting), so those variants of
the same parameters are accepted too; none of them weakens the check, since
each is still an HMAC over exactly the parameters received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from urllib.parse import quote

# java.net.URLEncoder leaves these alone; everything else is %XX (space is '+').
_JAVA_SAFE = "-_.*"


def java_encode(value: str) -> str:
    return quote(value, safe=_JAVA_SAFE).replace("~", "%7E")


def _tilde_raw(value: str) -> str:
    return quote(value, safe=_JAVA_SAFE + "~")


def _star_encoded(value: str) -> str:
    return quote(value, safe="-_.~")


def string_to_sign(
    params: dict[str, str], *, encode: Callable[[str], str] = java_encode, lower_first: bool = False
) -> str:
    items = [(k, v) for k, v in params.items() if k.lower() != "signature"]
    if lower_first:
        items = [(k.lower(), v) for k, v in items]
    items.sort(key=lambda kv: kv[0])
    return "&".join(f"{k}={encode(v)}" for k, v in items).lower()


def sign(params: dict[str, str], secret: str) -> str:
    """The signature a correct client sends for ``params`` (used by tests and tools)."""
    return _hmac(string_to_sign(params), secret)


def _hmac(message: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _candidates(params: dict[str, str]) -> Iterable[str]:
    seen: set[str] = set()
    for lower_first in (False, True):
        for encode in (java_encode, _tilde_raw, _star_encoded):
            s = string_to_sign(params, encode=encode, lower_first=lower_first)
            if s not in seen:
                seen.add(s)
                yield s


def verify(params: dict[str, str], signature: str, secret: str) -> bool:
    """Constant-time comparison against each accepted encoding of the same request.

    Which variant matched is not secret, so the first match ends the search.
    """
    sig = signature.strip().replace(" ", "+")  # a raw '+' decodes to a space
    return any(hmac.compare_digest(_hmac(m, secret), sig) for m in _candidates(params))
