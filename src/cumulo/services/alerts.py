"""Operator alerts (``listAlerts``), raised by any area with `raise_alert`.

An alert stands for a condition, not for each time it is seen: while an
unresolved alert of the same type and scope exists, raising it again changes
nothing, so periodic checkers do not repeat themselves every tick. `resolve`
clears a condition; the next crossing then raises a new alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from cumulo.db.base import utcnow
from cumulo.db.models.alert import Alert
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.zone import Zone

# CloudStack's AlertService.AlertType: number -> name.
ALERT_TYPES: dict[int, str] = {
    0: "ALERT.MEMORY",
    1: "ALERT.CPU",
    2: "ALERT.STORAGE",
    3: "ALERT.STORAGE.ALLOCATED",
    4: "ALERT.NETWORK.PUBLICIP",
    5: "ALERT.NETWORK.PRIVATEIP",
    6: "ALERT.STORAGE.SECONDARY",
    7: "ALERT.COMPUTE.HOST",
    8: "ALERT.USERVM",
    9: "ALERT.SERVICE.DOMAINROUTER",
    10: "ALERT.SERVICE.CONSOLEPROXY",
    11: "ALERT.NETWORK.ROUTING",
    12: "ALERT.STORAGE.MISC",
    13: "ALERT.USAGE",
    14: "ALERT.MANAGEMENT",
    15: "ALERT.NETWORK.DOMAINROUTERMIGRATE",
    16: "ALERT.SERVICE.CONSOLEPROXYMIGRATE",
    17: "ALERT.USERVM.MIGRATE",
    18: "ALERT.NETWORK.VLAN",
    19: "ALERT.SERVICE.SSVM",
    20: "ALERT.USAGE.RESULT",
    21: "ALERT.STORAGE.DELETE",
    22: "ALERT.RESOURCE.COUNT",
    23: "ALERT.USAGE.SANITY",
    24: "ALERT.NETWORK.DIRECTPUBLICIP",
    25: "ALERT.STORAGE.LOCAL",
    26: "ALERT.RESOURCE.EXCEED",
    27: "ALERT.SYNC",
    28: "ALERT.UPLOAD.FAILED",
    29: "ALERT.OOBM.AUTHERROR",
    30: "ALERT.HA.ACTION",
    31: "ALERT.CA.CERT",
}


def _id(obj: Zone | Pod | Cluster | int | None) -> int | None:
    return obj if obj is None or isinstance(obj, int) else obj.id


def _scope(type: int, zone: int | None, pod: int | None, cluster: int | None):  # type: ignore[no-untyped-def]
    def eq(col, value):  # type: ignore[no-untyped-def]
        return col.is_(None) if value is None else col == value

    return (
        Alert.type == type,
        eq(Alert.zone_id, zone),
        eq(Alert.pod_id, pod),
        eq(Alert.cluster_id, cluster),
        Alert.resolved.is_(None),
        Alert.archived.is_(False),
    )


def raise_alert(
    session: Session,
    type: int,
    zone: Zone | int | None,
    pod: Pod | int | None,
    cluster: Cluster | int | None,
    subject: str,
    body: str = "",
    *,
    name: str | None = None,
    repeat: bool = False,
) -> Alert:
    """Record an alert in the caller's transaction unless the same one is open already.

    ``repeat=True`` records it regardless (generateAlert: each call is news).
    """
    z, p, c = _id(zone), _id(pod), _id(cluster)
    if not repeat:
        existing = session.execute(select(Alert).where(*_scope(type, z, p, c)).limit(1)).scalar()
        if existing is not None:
            return existing
    alert = Alert(
        type=type,
        name=name or ALERT_TYPES.get(type, f"ALERT.TYPE.{type}"),
        subject=subject[:999],
        content=body,
        zone_id=z,
        pod_id=p,
        cluster_id=c,
    )
    session.add(alert)
    session.flush()
    return alert


def resolve(
    session: Session, type: int, zone: int | None, pod: int | None, cluster: int | None
) -> int:
    """Mark the open alert of this type and scope resolved; returns how many were open."""
    result = session.execute(
        update(Alert).where(*_scope(type, zone, pod, cluster)).values(resolved=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def open_alerts(session: Session, types: Sequence[int]) -> list[Alert]:
    return list(
        session.execute(
            select(Alert).where(
                Alert.type.in_(types), Alert.resolved.is_(None), Alert.archived.is_(False)
            )
        ).scalars()
    )


def _selection(
    ids: Sequence[Alert] | None,
    type: int | None,
    start: datetime | None,
    end: datetime | None,
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if ids:
        conds.append(Alert.id.in_([a.id for a in ids]))
    if type is not None:
        conds.append(Alert.type == type)
    if start is not None:
        conds.append(Alert.created >= start)
    if end is not None:
        conds.append(Alert.created <= end)
    return conds


def archive(
    session: Session,
    ids: Sequence[Alert] | None,
    type: int | None,
    start: datetime | None,
    end: datetime | None,
) -> int:
    conds = _selection(ids, type, start, end)
    result = session.execute(
        update(Alert).where(*conds, Alert.archived.is_(False)).values(archived=True)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def remove(
    session: Session,
    ids: Sequence[Alert] | None,
    type: int | None,
    start: datetime | None,
    end: datetime | None,
) -> int:
    conds = _selection(ids, type, start, end)
    return int(session.execute(delete(Alert).where(*conds)).rowcount)  # type: ignore[attr-defined]
