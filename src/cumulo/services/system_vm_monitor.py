"""Placeholder replaced below."""

from __future__ import annotations

from cumulo.runtime import Runtime


def tick(rt: Runtime) -> int:
    return 0
