"""The ASGI application, assembled in one place from its routes."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

from anyio import CapacityLimiter, to_thread
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from cumulo.api.declaration import load_commands
from cumulo.http.api import ApiHandler, ApiRequest
from cumulo.http.params import MAX_BODY_BYTES, RequestTooLarge, merge_params
from cumulo.http.reply import Reply, plain
from cumulo.http.upload import upload_endpoint
from cumulo.runtime import Runtime
from cumulo.settings import get_settings

FORM = "application/x-www-form-urlencoded"


def create_app(rt: Runtime) -> Starlette:
    load_commands()
    handler = ApiHandler(rt)
    # One limiter per event loop: anyio's primitives belong to the loop that
    # first used them, and test clients run each request on a loop of its own.
    limiters: dict[int, CapacityLimiter] = {}

    def limiter() -> CapacityLimiter:
        """At most ``request_threads`` requests in threads at once (per process).

        More only fight over the GIL (CPU per request grew with concurrency);
        waiting requests queue here.
        """
        key = id(asyncio.get_running_loop())
        found = limiters.get(key)
        if found is None:
            if len(limiters) > 64:
                limiters.clear()
            found = limiters[key] = CapacityLimiter(rt.settings.request_threads)
        return found

    async def api(request: Request) -> Response:
        received = time.monotonic()  # the request deadline counts the queueing below
        body: str | None = None
        if request.method == "POST":
            ctype = request.headers.get("content-type", "")
            if ctype.startswith(FORM) or not ctype:
                raw = await request.body()
                if len(raw) > MAX_BODY_BYTES:
                    return _send(plain(413, "Request body too large"))
                body = raw.decode("utf-8", "replace")
        # From the ASGI scope directly: building request.url costs more than the rest.
        scope = request.scope
        try:
            params = merge_params(scope["query_string"].decode(), body)  # as Starlette does
        except RequestTooLarge as exc:
            return _send(plain(413, str(exc)))
        client = scope.get("client")
        req = ApiRequest(
            method=request.method,
            params=params,
            cookies=dict(request.cookies) if "cookie" in request.headers else {},
            client_ip=client[0] if client else "",
            secure=scope.get("scheme") == "https",
            received=received,
        )
        return _send(await to_thread.run_sync(handler.handle, req, limiter=limiter()))

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        """For HAProxy's httpchk: 200 only when this node should get traffic."""
        problems = []
        if not rt.accepting_jobs:
            problems.append("draining or fenced")
        try:
            await run_in_threadpool(_ping_db, rt)
        except Exception as exc:
            problems.append(f"database unreachable: {exc.__class__.__name__}")
        if problems:
            return JSONResponse({"ready": False, "problems": problems}, status_code=503)
        return JSONResponse({"ready": True, "node": rt.node_name})

    async def root(_: Request) -> Response:
        return RedirectResponse("/client", status_code=301)

    routes = [
        Route("/client/api", api, methods=["GET", "POST"]),
        Route("/client/api/{rest:path}", api, methods=["GET", "POST"]),
        # Browser uploads (getUploadParamsFor*): the image store's endpoint, served here.
        Route("/upload/{token}", upload_endpoint(rt), methods=["POST", "OPTIONS"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/", root),
    ]
    if rt.settings.simulator_state_view:
        from cumulo.http.simulator_view import simulator_vms

        routes.append(Route("/simulator/vms", simulator_vms))
    return Starlette(routes=routes)


def _ping_db(rt: Runtime) -> None:
    with rt.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _send(reply: Reply) -> Response:
    response = Response(
        reply.body, status_code=reply.status, media_type=reply.content_type, headers=reply.headers
    )
    for cookie in reply.cookies:
        response.headers.append("set-cookie", cookie)
    return response


def worker_app() -> Starlette:
    """Factory for uvicorn worker processes: each opens its own runtime."""
    rt = Runtime.open(get_settings())
    rt.node_uuid, rt.msid = _node_of(rt)
    threading.Thread(target=_follow_node_state, args=(rt,), name="node-state", daemon=True).start()
    app = create_app(rt)
    # Everything loaded so far (modules, declarations, mappers) lives as long
    # as the process: keep it out of the collector's full passes.
    gc.collect()
    gc.freeze()
    return app


def _follow_node_state(rt: Runtime) -> None:
    """Workers refuse async commands while the parent node drains or is fenced."""
    from sqlalchemy import select

    from cumulo.db.models.cluster import ManagementServer

    while True:
        try:
            state = rt.db.run(
                lambda s: s.execute(
                    select(ManagementServer.state).where(ManagementServer.msid == rt.msid)
                ).scalar(),
                write=False,
            )
            rt.accepting_jobs = state == "Up"
        except Exception:
            rt.accepting_jobs = False
        time.sleep(0.5)


def _node_of(rt: Runtime) -> tuple[str | None, int | None]:
    from sqlalchemy import select

    from cumulo.db.models.cluster import ManagementServer

    row = rt.db.run(
        lambda s: s.execute(
            select(ManagementServer.uuid, ManagementServer.msid).where(
                ManagementServer.name == rt.settings.node_name, ManagementServer.removed.is_(None)
            )
        ).first(),
        write=False,
    )
    return (row[0], row[1]) if row else (None, None)
