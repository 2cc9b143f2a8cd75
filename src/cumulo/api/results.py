"""What command handlers return; the http layer turns these into envelopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Fields = dict[str, Any]


@dataclass(frozen=True)
class ObjectResult:
    """One object under the command's object name: ``{"domain": {...}}``."""

    fields: Fields
    object_name: str | None = None  # overrides the declaration's


@dataclass(frozen=True)
class ListResult:
    """A page of items plus the total count of matches."""

    items: list[Fields]
    count: int
    object_name: str | None = None


@dataclass(frozen=True)
class SuccessResult:
    """``{"success": true}`` plus ``displaytext`` when there is one."""

    displaytext: str | None = None


@dataclass(frozen=True)
class InlineResult:
    """Fields directly in the envelope (login, queryAsyncJobResult)."""

    fields: Fields


@dataclass(frozen=True)
class Enqueue:
    """An async command's request to run its executor in a job.

    ``payload`` must be JSON-serialisable; it is all the executor receives
    besides the caller. ``instance`` names the entity the job acts on.
    """

    payload: Fields = field(default_factory=dict)
    instance_type: str | None = None
    instance_uuid: str | None = None


@dataclass(frozen=True)
class JobAccepted:
    """The immediate answer to an async command."""

    jobid: str
    id: str | None = None


Result = ObjectResult | ListResult | SuccessResult | InlineResult | Enqueue | JobAccepted
