"""The selection parameters of archiveEvents/deleteEvents and archiveAlerts/deleteAlerts.

CloudStack picks the rows to archive or delete the same way for events and
alerts: by ids, by type, or by a date range (inclusive).
"""

from __future__ import annotations

from cumulo.api.params import DATE, LIST, STRING, UUID, Param

_DATE_FORMAT = '(use format "yyyy-MM-dd" or the new format "yyyy-MM-ddThh:mm:ss")'


def selection_params(entity: str, noun: str, verb: str) -> list[Param]:
    """``entity`` the model ("Event"), ``noun`` its plural ("events"), ``verb`` "archive"."""
    return [
        Param(
            "ids",
            LIST,
            collection=UUID,
            entity=entity,
            description=f"the IDs of the {noun} to {verb}",
        ),
        Param("type", STRING, description=f"{verb} by {entity.lower()} type"),
        Param(
            "startdate",
            DATE,
            description=f"start date range to {verb} {noun} (including) this date {_DATE_FORMAT}",
        ),
        Param(
            "enddate",
            DATE,
            description=f"end date range to {verb} {noun} (including) this date {_DATE_FORMAT}",
        ),
    ]
