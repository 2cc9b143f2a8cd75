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
from cumulo.http.asgi_api import ApiEndpoint, ASGIApp, in_front
from cumulo.http.reply import Reply
from cumulo.http.upload import upload_endpoint
from cumulo.runtime import Runtime
from cumulo.settings import get_settings


def create_app(rt: Runtime) -> ASGIApp:
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

    async def run_handler(req: ApiRequest) -> Reply:
        return await to_thread.run_sync(handler.handle, req, limiter=limiter())

    api = ApiEndpoint(run_handler)

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
    return in_front(Starlette(routes=routes), api)


def _ping_db(rt: Runtime) -> None:
    with rt.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def worker_app() -> ASGIApp:
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
