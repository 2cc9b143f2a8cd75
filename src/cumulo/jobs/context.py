"""What a job's executor works with."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.job import AsyncJob

if TYPE_CHECKING:
    from cumulo.runtime import Runtime

T = TypeVar("T")


@dataclass
class JobRun:
    """One execution attempt of a job.

    ``attempt`` > 1 means the job was adopted after its node died: executors
    use ``step`` so finished work is not done again.
    """

    runtime: Runtime
    job_id: int
    job_uuid: str
    caller: Caller
    attempt: int = 1
    checkpoint: dict[str, Any] = field(default_factory=dict)

    def transaction(self, work: Callable[[Session], T], *, idempotent: bool = False) -> T:
        return self.runtime.db.run(work, idempotent=idempotent)

    def step(self, name: str, work: Callable[[], T]) -> T:
        """Run ``work`` once across attempts; its JSON result is remembered."""
        if name in self.checkpoint:
            return self.checkpoint[name]  # type: ignore[no-any-return]
        value = work()
        self.checkpoint[name] = value
        payload = json.dumps(self.checkpoint)
        self.runtime.db.run(
            lambda s: s.execute(
                update(AsyncJob).where(AsyncJob.id == self.job_id).values(checkpoint=payload)
            ),
            idempotent=True,
        )
        return value
