"""Running one declared command for an authenticated caller."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from cumulo.api.access import check_available, check_project
from cumulo.api.arguments import Args, parse_args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Command
from cumulo.api.results import Enqueue, JobAccepted, Result
from cumulo.errors import ServiceUnavailable
from cumulo.jobs.queue import enqueue
from cumulo.runtime import Runtime

DRAINING_TEXT = (
    "Maintenance or Shutdown has been initiated on this management server. Can not accept new jobs"
)


BUSY_TEXT = (
    "The management server is too busy: it could not finish this request within {s:g} s "
    "of its arrival, and nothing was done. Try again"
)


def check_deadline(deadline: float, limit: float) -> None:
    """503 (nothing done) once a request's time is up; the caller's transaction rolls back."""
    if time.monotonic() > deadline:
        raise ServiceUnavailable(BUSY_TEXT.format(s=limit))


def dispatch(
    rt: Runtime,
    caller: Caller,
    command: Command,
    params: dict[str, str],
    *,
    http_method: str = "GET",
    request_id: str = "",
    received: float | None = None,
) -> Result:
    """Check access, validate, run the handler in one retried transaction.

    ``params`` has lower-cased names. For async commands the job row is
    written in the same transaction as whatever the handler reserved.
    ``received`` (``time.monotonic()`` at arrival) starts the request deadline.
    """
    if command.is_async and not rt.accepting_jobs:
        raise ServiceUnavailable(DRAINING_TEXT)
    parsed = parse_args(command, params, caller)  # fail fast, before touching the database
    custom_job_id = params.get("customjobid") if command.is_async else None
    limit = rt.settings.request_deadline_seconds
    deadline = (received or time.monotonic()) + limit

    def work(session: Session) -> Result:
        # Every attempt must start in the first half of the time: a request that
        # queued that long is refused before it costs anything, and one that
        # starts has the other half to finish.
        check_deadline(deadline - limit / 2, limit)
        check_available(session, caller, command, rt.role_rules)
        args = Args(command, parsed.as_dict())  # a fresh copy each attempt: resolve fills it
        args.resolve(session)
        check_project(session, caller, args)
        call = Call(
            caller=caller, db=session, runtime=rt, http_method=http_method, request_id=request_id
        )
        result = command.handler(call, args)
        if isinstance(result, Enqueue):
            result = enqueue(call, command, result, custom_job_id)
        # Last thing before COMMIT: past the deadline the load balancer has
        # answered 504 already, so roll back rather than create what the client
        # was told nothing about (and might create again by retrying).
        check_deadline(deadline, limit)
        return result

    result = rt.db.run(work, write=not command.read_only)
    if isinstance(result, JobAccepted):
        rt.wake_jobs()  # after COMMIT, so the runner finds the row
    return result
