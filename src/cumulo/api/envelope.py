"""The inside of CloudStack envelopes: result shapes, field cleaning, error bodies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cumulo.api.errorcodes import ErrorCode
from cumulo.api.results import (
    Enqueue,
    InlineResult,
    JobAccepted,
    ListResult,
    ObjectResult,
    Result,
    SuccessResult,
)


def format_date(value: datetime) -> str:
    """``yyyy-MM-dd'T'HH:mm:ssZ`` as CloudStack writes it: ``+0000``, no colon."""
    if value.tzinfo is None or value.utcoffset() == _ZERO:
        # isoformat is several times cheaper than strftime, and dates are
        # stored in UTC: this is every date of every list page.
        return value.isoformat(timespec="seconds")[:19] + "+0000"
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


_ZERO = timedelta(0)
_NESTED = (dict, list, tuple, datetime)


class WireList(list):  # type: ignore[type-arg]
    """Items already in wire form (no ``None`` fields, dates formatted).

    ``clean`` passes them through untouched: for big list pages whose views
    build their fields that way, cleaning every field again is measurable.
    """


def clean(value: Any) -> Any:
    """Drop ``None`` fields (CloudStack never sends null) and format dates."""
    # Runs for every field of every listed item: plain values skip the recursion.
    if isinstance(value, dict):
        return {
            k: clean(v) if isinstance(v, _NESTED) else v for k, v in value.items() if v is not None
        }
    if isinstance(value, list | tuple):
        if type(value) is WireList:
            return value
        return [clean(v) if isinstance(v, _NESTED) else v for v in value]
    if isinstance(value, datetime):
        return format_date(value)
    return value


def body_of(result: Result, object_name: str | None) -> dict[str, Any]:
    """The inside of the envelope for one command result."""
    if isinstance(result, ObjectResult):
        name = result.object_name or object_name
        return {name: result.fields} if name else dict(result.fields)
    if isinstance(result, ListResult):
        if result.count == 0 and not result.items:
            return {}  # an empty list is exactly {}; clients rely on it being falsy
        name = result.object_name or object_name or "item"
        body: dict[str, Any] = {"count": result.count}
        if result.items:
            body[name] = result.items
        return body
    if isinstance(result, SuccessResult):
        out: dict[str, Any] = {"success": True}
        if result.displaytext:
            out["displaytext"] = result.displaytext
        return out
    if isinstance(result, InlineResult):
        return dict(result.fields)
    if isinstance(result, JobAccepted):
        return {"id": result.id, "jobid": result.jobid}
    if isinstance(result, Enqueue):
        raise TypeError("an Enqueue must become a job before it is rendered")
    raise TypeError(f"unknown result {result!r}")


def error_body(code: ErrorCode, text: str, uuids: list[tuple[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuidList": [{"uuid": u, "description": d} for u, d in uuids],
        "errorcode": code.http,
    }
    if code.cs is not None:
        body["cserrorcode"] = code.cs
    body["errortext"] = text
    return body
