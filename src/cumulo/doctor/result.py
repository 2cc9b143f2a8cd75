"""A check's outcome: what was looked at, whether it is fine, and what to do if not."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warn(check: str, message: str) -> Finding:
    return Finding(check, "warn", message)


def fail(check: str, message: str) -> Finding:
    return Finding(check, "fail", message)
