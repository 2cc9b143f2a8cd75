"""Running one declared command for an authenticated caller."""

from __future__ import annotations

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


def dispatch(
    rt: Runtime,
    caller: Caller,
    command: Command,
    params: dict[str, str],
    *,
    http_method: str = "GET",
    request_id: str = "",
) -> Result:
    """Check access, validate, run the handler in one retried transaction.

    ``params`` has lower-cased names. For async commands the job row is
    written in the same transaction as whatever the handler reserved.
    """
    if command.is_async and not rt.accepting_jobs:
        raise ServiceUnavailable(DRAINING_TEXT)
    parsed = parse_args(command, params, caller)  # fail fast, before touching the database
    custom_job_id = params.get("customjobid") if command.is_async else None

    def work(session: Session) -> Result:
        check_available(session, caller, command, rt.role_rules)
        args = Args(command, parsed.as_dict())  # a fresh copy each attempt: resolve fills it
        args.resolve(session)
        check_project(session, caller, args)
        call = Call(
            caller=caller, db=session, runtime=rt, http_method=http_method, request_id=request_id
        )
        result = command.handler(call, args)
        if isinstance(result, Enqueue):
            return enqueue(call, command, result, custom_job_id)
        return result

    result = rt.db.run(work, write=not command.read_only)
    if isinstance(result, JobAccepted):
        rt.wake_jobs()  # after COMMIT, so the runner finds the row
    return result
