"""When a recurring snapshot policy fires next (pure time arithmetic).

Schedules are CloudStack's: ``MM`` (HOURLY), ``MM:HH`` (DAILY), ``MM:HH:D``
(WEEKLY, day 1 = Sunday … 7 = Saturday) and ``MM:HH:DD`` (MONTHLY, day
1-28), read as wall-clock time in the policy's timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _at(zone: ZoneInfo, day: datetime, hour: int, minute: int) -> datetime:
    """Wall-clock ``hour:minute`` on ``day``'s date in ``zone`` (DST-aware)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def next_run(interval: str, schedule: str, timezone: str, after: datetime) -> datetime:
    """The first scheduled instant strictly after ``after``, in UTC."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    parts = [int(p) for p in schedule.split(":")]
    minute = parts[0]
    if interval == "HOURLY":
        cand = local.replace(minute=minute, second=0, microsecond=0)
        if cand <= local:
            cand = (cand.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
        return cand.astimezone(UTC)
    hour = parts[1]
    if interval == "DAILY":
        cand = _at(zone, local, hour, minute)
        if cand <= local:
            cand = _at(zone, local + timedelta(days=1), hour, minute)
    elif interval == "WEEKLY":
        weekday = (parts[2] - 2) % 7  # CloudStack 1 = Sunday; Python 0 = Monday
        ahead = (weekday - local.weekday()) % 7
        cand = _at(zone, local + timedelta(days=ahead), hour, minute)
        if cand <= local:
            cand = _at(zone, local + timedelta(days=ahead + 7), hour, minute)
    else:  # MONTHLY
        cand = datetime(local.year, local.month, parts[2], hour, minute, tzinfo=zone)
        if cand <= local:
            year, month = (
                (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
            )
            cand = datetime(year, month, parts[2], hour, minute, tzinfo=zone)
    return cand.astimezone(UTC)
