"""Simulator fault-injection rules, stored in the database so every node applies them.

The service layer picks the applicable rule for a host and command and hands it
to the driver; drivers never read the database.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from cumulo.db.models.host import Host
from cumulo.db.models.simulator_mock import SimulatorMock
from cumulo.drivers.base import Mock
from cumulo.drivers.simulator.mock import parse_value
from cumulo.errors import InvalidParameter

RESULTS = ("fail", "fault")


def _check_value(value: str) -> dict[str, str]:
    rules = parse_value(value)
    if not rules:
        raise InvalidParameter(
            f"Invalid mock value {value!r}; use key:value pairs separated by '|', "
            "e.g. result:fail or wait:1000"
        )
    result = rules.get("result")
    if result is not None and result.lower() not in (*RESULTS, "success", "true", "false"):
        raise InvalidParameter(f"Invalid mock result {result!r}; use result:fail or result:fault")
    wait = rules.get("wait")
    if wait is not None and not wait.isdigit():
        raise InvalidParameter(f"Invalid mock wait {wait!r}; give milliseconds, e.g. wait:500")
    return rules


def configure(
    session: Session,
    name: str,
    value: str,
    *,
    zone_id: int | None,
    pod_id: int | None,
    cluster_id: int | None,
    host_id: int | None,
    count: int | None,
    json_response: str | None,
) -> SimulatorMock:
    """Create the rule, or update the live one for the same command and scope."""
    _check_value(value)
    if count is not None and count < 0:
        raise InvalidParameter("count must not be negative")
    scope = {"zone_id": zone_id, "pod_id": pod_id, "cluster_id": cluster_id, "host_id": host_id}
    stmt = select(SimulatorMock).where(SimulatorMock.name == name, SimulatorMock.removed.is_(None))
    for col, v in scope.items():
        c = getattr(SimulatorMock, col)
        stmt = stmt.where(c.is_(None) if v is None else c == v)
    mock = session.execute(stmt.order_by(SimulatorMock.id).limit(1)).scalar_one_or_none()
    if mock is None:
        mock = SimulatorMock(name=name, **scope)
        session.add(mock)
    mock.value, mock.count, mock.json_response = value, count, json_response
    session.flush()
    return mock


def get(session: Session, mock_id: int | None) -> SimulatorMock:
    mock = session.get(SimulatorMock, mock_id) if mock_id is not None else None
    if mock is None:
        raise InvalidParameter(f"No simulator mock with id {mock_id}")
    return mock


def cleanup(session: Session, mock_id: int | None) -> None:
    mock = get(session, mock_id)
    if mock.removed is None:
        mock.mark_removed()


def _active() -> ColumnElement[bool]:
    return (SimulatorMock.removed.is_(None)) & (
        or_(SimulatorMock.count.is_(None), SimulatorMock.count > 0)
    )


def any_active(session: Session) -> bool:
    return session.execute(select(SimulatorMock.id).where(_active()).limit(1)).first() is not None


def take(session: Session, command: str, host: Host) -> Mock | None:
    """The oldest active rule matching ``command`` on ``host``; one use is consumed.

    Oldest wins, not most specific: that is what upstream does and what
    existing tests rely on.
    """
    scope = [
        or_(SimulatorMock.zone_id.is_(None), SimulatorMock.zone_id == host.zone_id),
        or_(SimulatorMock.pod_id.is_(None), SimulatorMock.pod_id == host.pod_id),
        or_(SimulatorMock.cluster_id.is_(None), SimulatorMock.cluster_id == host.cluster_id),
        or_(SimulatorMock.host_id.is_(None), SimulatorMock.host_id == host.id),
    ]
    row = session.execute(
        select(SimulatorMock)
        .where(SimulatorMock.name == command, _active(), *scope)
        .order_by(SimulatorMock.id)
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.count is not None:
        used = session.execute(
            update(SimulatorMock)
            .where(SimulatorMock.id == row.id, SimulatorMock.count > 0)
            .values(count=SimulatorMock.count - 1)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return None  # another node used the last one
    return to_mock(row)


def to_mock(row: SimulatorMock) -> Mock:
    rules = parse_value(row.value)
    result = rules.get("result", "").lower() or None
    if result not in RESULTS:
        result = None
    wait = rules.get("wait", "0")
    return Mock(
        command=row.name,
        result=result,
        wait_ms=int(wait) if wait.isdigit() else 0,
        json_response=row.json_response,
        options=rules,
    )
