"""Queueing a job in the same transaction as the entity it acts on."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Call
from cumulo.api.declaration import Command, Kind
from cumulo.api.params import is_uuid
from cumulo.api.results import Enqueue, JobAccepted
from cumulo.db.base import new_uuid
from cumulo.db.models.job import AsyncJob
from cumulo.errors import InvalidParameter


def enqueue(
    call: Call, command: Command, request: Enqueue, custom_job_id: str | None = None
) -> JobAccepted:
    session: Session = call.db
    job_uuid = new_uuid()
    if custom_job_id:
        if not is_uuid(custom_job_id):
            raise InvalidParameter("customjobid must be a UUID")
        taken = session.execute(select(AsyncJob.id).where(AsyncJob.uuid == custom_job_id))
        if taken.first():
            raise InvalidParameter(f"A job with id {custom_job_id} already exists")
        job_uuid = custom_job_id
    caller = call.caller
    job = AsyncJob(
        uuid=job_uuid,
        command=command.name,
        payload=json.dumps({"payload": request.payload, "caller": caller.to_json()}),
        user_id=caller.user_id,
        account_id=caller.account_id,
        domain_id=caller.domain_id,
        domain_path=caller.domain_path,
        instance_type=request.instance_type or command.instance_type,
        instance_uuid=request.instance_uuid,
        init_msid=call.runtime.msid,
    )
    session.add(job)
    session.flush()
    created = request.instance_uuid if command.kind == Kind.ASYNC_CREATE else None
    return JobAccepted(jobid=job_uuid, id=created)
