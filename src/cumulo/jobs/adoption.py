"""What a node does with a job whose earlier run was cut short.

CloudStack fails such jobs ("job cancelled because of management server
restart or shutdown") and leaves their resources in transitional states.
Here a resumable command is simply run again (its checkpointed steps are not
repeated); any other command is compensated: its ``@compensate`` hook puts
the resources back in a stable state and the job fails with 530 and a text
that says what happened and in which state things were left.
"""

from __future__ import annotations

import logging
from typing import Any

from cumulo.api.declaration import Command
from cumulo.api.errorcodes import INTERNAL
from cumulo.jobs.context import JobRun

log = logging.getLogger(__name__)


def failed(text: str) -> dict[str, Any]:
    return {"errorcode": INTERNAL.http, "errortext": text}


def must_compensate(command: Command, run: JobRun, max_attempts: int) -> str | None:
    """Why this adopted run must not execute the command again (None: go ahead)."""
    if run.adopted_from is None:
        return None
    if run.attempt > max_attempts:
        return f"it was interrupted {run.attempt - 1} times, the limit is {max_attempts}"
    if not command.resumable:
        return f"{command.name} cannot be resumed"
    return None


def compensate(command: Command, run: JobRun, payload: dict[str, Any], why: str) -> dict[str, Any]:
    """Run the command's rollback and build the job's failure result."""
    node = run.adopted_from or "unknown"
    head = (
        f"{command.name} (job {run.job_uuid}) was interrupted because management server "
        f"{node} stopped, and was not resumed: {why}"
    )
    if command.compensator is None:
        target = (
            f"{run.instance_type} {run.instance_uuid}" if run.instance_uuid else "its resources"
        )
        return failed(f"{head}. It may be partly done; check the state of {target}")
    try:
        outcome = command.compensator(run, payload)
    except Exception as exc:
        log.exception("compensating job %s failed", run.job_uuid)
        return failed(f"{head}. Rolling it back failed too ({exc.__class__.__name__}: {exc})")
    return failed(f"{head}. {outcome}")
