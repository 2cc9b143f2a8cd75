"""queryAsyncJobResult and listAsyncJobs (§4)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import aliased

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.owner_params import list_owner
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType, is_internal_id
from cumulo.api.results import InlineResult, ListResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.job import job_view
from cumulo.db.base import utcnow
from cumulo.db.models.account import Account, User
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.domain import Domain
from cumulo.db.models.job import AsyncJob
from cumulo.errors import InvalidParameter
from cumulo.jobs.sealed import Sealer

Owner = aliased(ManagementServer)


# Who a job belongs to and which node runs it: the columns after the job's own in
# every job answer (``_view`` unpacks the last seven).
_PEOPLE = (Account.name, Account.uuid, Domain.uuid, Domain.path, User.uuid, Owner.uuid, Owner.name)


def _with_people(stmt: Select) -> Select:  # type: ignore[type-arg]
    return (
        stmt.add_columns(*_PEOPLE)
        .join(Account, Account.id == AsyncJob.account_id)
        .join(Domain, Domain.id == AsyncJob.domain_id)
        .join(User, User.id == AsyncJob.user_id)
        .outerjoin(Owner, Owner.msid == AsyncJob.owner_msid)
    )


def _joined() -> Select:  # type: ignore[type-arg]
    return _with_people(select(AsyncJob))


def _view(row: Any, secrets: Sealer) -> dict[str, Any]:
    job, acc, acc_uuid, dom_uuid, dom_path, user_uuid, node_uuid, node_name = row
    return job_view(
        job,
        account=acc,
        account_uuid=acc_uuid,
        domain_uuid=dom_uuid,
        domain_path=pretty_path(dom_path),
        user_uuid=user_uuid,
        node_uuid=node_uuid,
        node_name=node_name,
        secrets=secrets,
    )


# queryAsyncJobResult is what every client polls: one statement, only the columns
# the answer shows (not the job's payload or checkpoint), no ORM object.
_POLL = _with_people(
    select(
        AsyncJob.uuid,
        AsyncJob.command,
        AsyncJob.status,
        AsyncJob.process_status,
        AsyncJob.result_code,
        AsyncJob.instance_type,
        AsyncJob.instance_uuid,
        AsyncJob.created,
        AsyncJob.completed,
        AsyncJob.result,
        AsyncJob.account_id,
        AsyncJob.domain_path.label("job_domain_path"),
    )
)


@command(
    "queryAsyncJobResult",
    roles=ALL_ROLES,
    params=[
        Param(
            "jobid",
            ParamType.UUID,
            required=True,
            description="the ID of the asynchronous job",
        )
    ],
    response_class="AsyncJobResponse",
)
def query_async_job_result(call: Call, args: Args) -> InlineResult:
    """Retrieves the current status of asynchronous job."""
    key = args.jobid
    by = AsyncJob.id == int(key) if is_internal_id(key) else AsyncJob.uuid == key
    row = call.db.execute(_POLL.where(by)).first()
    caller = call.caller
    visible = row is not None and (
        caller.is_root_admin
        or row.account_id == caller.account_id
        or (caller.is_domain_admin and row.job_domain_path.startswith(caller.domain_path))
    )
    if not visible:
        # Someone else's job is reported like an unknown one: no information leaks.
        raise InvalidParameter(
            f"Invalid parameter jobid value={args.jobid} due to incorrect long value format, "
            "or entity does not exist or due to incorrect parameter annotation for the field "
            "in api cmd class."
        )
    assert row is not None
    if row.status == 0 and _wait_until_done(call, by, row.created):
        # Finished in the meantime: this request's transaction still sees it pending.
        row = call.runtime.db.run(lambda s: s.execute(_POLL.where(by)).one(), write=False)
    return InlineResult(_view((row, *row[-7:]), call.runtime.secrets))


# How often a waiting query looks at a job run by another node or process,
# which does not notify this one's runtime.
_LOOK_EVERY = 0.2


def _wait_until_done(call: Call, by: ColumnElement[bool], created: datetime) -> bool:
    """Hold the answer while a job submitted moments ago runs; True once it has finished.

    Only young jobs are waited for (``created`` has whole seconds, hence the
    extra second), so a client polling a long job costs a request thread at
    most about twice the wait, not for every poll; and only a few requests per
    process wait at once (``Runtime.job_waiters``), so pollers can never take
    every request thread.
    """
    wait = call.runtime.settings.job_result_wait_seconds
    if wait <= 0 or utcnow() - created > timedelta(seconds=wait + 1):
        return False
    waiters = call.runtime.job_waiters
    if not waiters.acquire(blocking=False):
        return False
    try:
        return _hold(call, by, wait)
    finally:
        waiters.release()


def _hold(call: Call, by: ColumnElement[bool], wait: float) -> bool:
    finished = call.runtime.job_finished
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        with finished:
            finished.wait(min(left, _LOOK_EVERY))
        status = call.runtime.db.run(
            lambda s: s.scalar(select(AsyncJob.status).where(by)),
            write=False,
        )
        if status != 0:
            return True
    return False


@command(
    "listAsyncJobs",
    roles=ALL_ROLES,
    params=[
        *list_owner(project=False),
        Param(
            "startdate",
            ParamType.DATE,
            description="The start date of the async job "
            "(use format \"yyyy-MM-dd'T'HH:mm:ss'+'SSSS\")",
        ),
        Param(
            "managementserverid",
            ParamType.UUID,
            entity="ManagementServer",
            since="4.19",
            description="The id of the management server",
        ),
    ],
    is_list=True,
    object_name="asyncjobs",
    response_class="AsyncJobResponse",
)
def list_async_jobs(call: Call, args: Args) -> ListResult:
    """Lists all pending asynchronous jobs for the account."""
    scope = list_scope(call.db, call.caller, args)
    stmt = _joined().where(
        scope.where(AsyncJob.account_id, AsyncJob.domain_id, AsyncJob.domain_path)
    )
    if args.startdate is not None:
        stmt = stmt.where(AsyncJob.created >= args.startdate)
    if isinstance(args.managementserverid, ManagementServer):
        stmt = stmt.where(AsyncJob.owner_msid == args.managementserverid.msid)
    if args.keyword:
        stmt = stmt.where(AsyncJob.command.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(AsyncJob.id.desc()), call, args)
    return ListResult([_view(r, call.runtime.secrets) for r in rows], count)
