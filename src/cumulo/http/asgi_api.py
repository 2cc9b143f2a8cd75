"""``/client/api`` as a bare ASGI endpoint in front of the Starlette app.

Every API request used to pass Starlette's error and exception middleware,
its router, a ``Request`` and a ``Response`` object: about as much CPU as
the whole read of a listDomains page. The API needs none of it (the handler
answers every error itself), so GET and POST to ``/client/api`` are served
here from the ASGI scope and messages directly (HEAD as GET: uvicorn drops
the body); everything else still goes to Starlette, whose routes for the
same path only answer other methods (405).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from cumulo.http.api import ApiRequest
from cumulo.http.params import MAX_BODY_BYTES, RequestTooLarge, merge_params
from cumulo.http.reply import Reply, plain

log = logging.getLogger(__name__)
FORM = b"application/x-www-form-urlencoded"
PATH = "/client/api"

# Runs the handler off the event loop: (request) -> reply.
Handle = Callable[[ApiRequest], Awaitable[Reply]]


def is_api(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "POST", "HEAD"):
        return False
    path: str = scope["path"]
    return path == PATH or path.startswith(PATH + "/")


def in_front(app: ASGIApp, api: ASGIApp) -> ASGIApp:
    """``app`` with API requests passed to ``api`` directly."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        await (api if is_api(scope) else app)(scope, receive, send)

    return asgi


class ApiEndpoint:
    """The raw ASGI endpoint answering with ``handle`` (which runs the ApiHandler).

    A class, not a function, so that a Starlette ``Route`` treats it as an
    ASGI app too.
    """

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            reply = await _answer(scope, receive, self.handle)
        except _Disconnected:
            return
        except Exception:  # what Starlette's ServerErrorMiddleware answered
            log.exception("API request failed outside the handler")
            reply = plain(500, "Internal Server Error")
        await send_reply(send, reply)


class _Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer."""


async def _answer(scope: Scope, receive: Receive, handle: Handle) -> Reply:
    received = time.monotonic()  # the request deadline counts the queueing for a thread
    headers = _headers(scope)
    body: str | None = None
    if scope["method"] == "POST":
        ctype = headers.get(b"content-type", b"")
        if ctype.startswith(FORM) or not ctype:
            raw = await _body(receive)
            if len(raw) > MAX_BODY_BYTES:
                return plain(413, "Request body too large")
            body = raw.decode("utf-8", "replace")
    try:
        params = merge_params(scope["query_string"].decode(), body)  # as Starlette does
    except RequestTooLarge as exc:
        return plain(413, str(exc))
    client = scope.get("client")
    req = ApiRequest(
        method=scope["method"],
        params=params,
        cookies=_cookies(scope) if b"cookie" in headers else {},
        client_ip=client[0] if client else "",
        secure=scope.get("scheme") == "https",
        received=received,
    )
    return await handle(req)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """First value of each header (names are lower-case in ASGI)."""
    out: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        out.setdefault(name, value)
    return out


def _cookies(scope: Scope) -> dict[str, str]:
    """Every Cookie header, merged as Starlette's ``Request.cookies`` does."""
    cookies: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES or not message.get("more_body", False):
            return b"".join(chunks)


async def send_reply(send: Send, reply: Reply) -> None:
    """The headers Starlette's ``Response`` would send for the same reply."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    raw.append((b"content-length", str(len(reply.body)).encode("latin-1")))
    raw.append((b"content-type", reply.content_type.encode("latin-1")))
    raw.extend((b"set-cookie", cookie.encode("latin-1")) for cookie in reply.cookies)
    await send({"type": "http.response.start", "status": reply.status, "headers": raw})
    await send({"type": "http.response.body", "body": reply.body})
