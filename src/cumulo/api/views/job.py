"""AsyncJobResponse: the fields of queryAsyncJobResult and listAsyncJobs."""

from __future__ import annotations

import json
from typing import Any

from cumulo.db.models.job import AsyncJob, JobStatus
from cumulo.jobs import sealed

# CloudStack reports the Java class of the command; we name our command.
CMD_PREFIX = "org.apache.cloudstack.api.command."


def job_view(
    job: AsyncJob | Any,  # or a row with the columns used here
    *,
    account: str | None,
    account_uuid: str | None,
    domain_uuid: str | None,
    domain_path: str | None,
    user_uuid: str | None,
    node_uuid: str | None,
    node_name: str | None,
    secrets: sealed.Sealer | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "jobid": job.uuid,
        "accountid": account_uuid,
        "account": account,
        "domainid": domain_uuid,
        "domainpath": domain_path,
        "userid": user_uuid,
        "cmd": f"{CMD_PREFIX}{job.command}",
        "jobstatus": job.status,
        "jobprocstatus": job.process_status,
        "jobresultcode": job.result_code,
        "jobinstancetype": job.instance_type,
        "jobinstanceid": job.instance_uuid if job.instance_type else None,
        "managementserverid": node_uuid,
        "managementservername": node_name,
        "created": job.created,
        "completed": job.completed,
    }
    if job.status != JobStatus.IN_PROGRESS:
        fields["jobresulttype"] = "object"
        # A finished job always carries jobresult, or Ansible polls forever.
        fields["jobresult"] = (
            json.loads(job.result)
            if job.result
            else {"errorcode": job.result_code or 530, "errortext": "job ended without a result"}
        )
        if secrets is not None and job.result and sealed.MARK in job.result:
            fields["jobresult"] = sealed.reveal(fields["jobresult"], secrets)
    return fields
