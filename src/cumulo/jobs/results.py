"""Turning an executor's outcome into the stored ``jobresult``."""

from __future__ import annotations

import logging
from typing import Any

from cumulo.api.declaration import Command
from cumulo.api.envelope import body_of, clean
from cumulo.api.errorcodes import INTERNAL_TEXT, code_for
from cumulo.api.results import ListResult, ObjectResult, Result, SuccessResult
from cumulo.errors import CumuloError

log = logging.getLogger(__name__)


def success_result(command: Command, result: Result) -> dict[str, Any]:
    if isinstance(result, ObjectResult | ListResult | SuccessResult):
        return clean(body_of(result, command.object_name))  # type: ignore[no-any-return]
    raise TypeError(f"{command.name} executor returned {type(result).__name__}")


def failure_result(exc: BaseException, *, job_uuid: str) -> tuple[int, dict[str, Any]]:
    code = code_for(exc)
    if isinstance(exc, CumuloError):
        text = exc.message
    else:
        log.exception("job %s failed with an internal error", job_uuid)
        text = f"{INTERNAL_TEXT} (job {job_uuid})"
    return code.http, {"errorcode": code.http, "errortext": text}
