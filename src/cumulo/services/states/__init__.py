"""State machines as tables of allowed transitions, enforced by conditional UPDATEs.

Each resource module declares ``{event: (from_states, to_state)}``; ``apply``
moves one row only if it is still in an allowed source state, so two nodes
racing on the same row cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cumulo.errors import ConcurrentOperation, InvalidParameter


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str


@dataclass(frozen=True)
class Machine:
    """One state column of one model, and the events that move it."""

    model: Any
    column: str
    events: dict[str, Transition]
    label: str

    def allowed(self, event: str, current: str) -> bool:
        return current in self.events[event].sources

    def apply(self, session: Session, row: Any, event: str, **values: Any) -> None:
        """Fire ``event`` on ``row``; raise if its state does not allow it."""
        tr = self.events[event]
        current = getattr(row, self.column)
        if current not in tr.sources:
            raise InvalidParameter(
                f"{self.label} {row.uuid} is {current}; {event} needs it to be "
                f"{' or '.join(sorted(tr.sources))}"
            )
        if not self.try_apply(session, row, event, **values):
            raise ConcurrentOperation(
                f"{self.label} {row.uuid} changed state while {event} was in progress; retry"
            )

    def try_apply(self, session: Session, row: Any, event: str, **values: Any) -> bool:
        """Fire ``event`` if the row is (still) in a source state; False otherwise."""
        tr = self.events[event]
        col = getattr(self.model, self.column)
        res = session.execute(
            update(self.model)
            .where(self.model.id == row.id, col.in_(tr.sources))
            .values({self.column: tr.target, **values})
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return False
        changed = {self.column: tr.target, **values}
        if all(isinstance(v, _PLAIN) for v in changed.values()):
            # What the UPDATE wrote is known: no SELECT to read it back.
            for name, value in changed.items():
                set_committed_value(row, name, value)
        else:  # e.g. datetimes: read back as the column type stores them
            session.refresh(row)
        return True


# Values stored as given (a datetime comes back from its column type changed).
_PLAIN = (str, int, type(None))


def table(
    label: str, model: Any, column: str, rows: dict[str, tuple[tuple[str, ...], str]]
) -> Machine:
    return Machine(
        model,
        column,
        {event: Transition(frozenset(src), dst) for event, (src, dst) in rows.items()},
        label,
    )
