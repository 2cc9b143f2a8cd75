"""Helpers for job and cluster tests: a database handle, big domain trees, job rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.db.database import Database
from cumulo.db.models.domain import Domain
from cumulo.db.models.job import AsyncJob

T = TypeVar("T")


def open_db(data_dir: Path) -> Database:
    return Database(f"sqlite:///{data_dir / 'cumulo.db'}")


def build_tree(db: Database, name: str, fanout: int, depth: int = 2) -> Domain:
    """A domain under ROOT with ``fanout`` children per level, ``depth`` levels deep.

    Rows are written in bulk (createDomain one by one would take a minute).
    """

    def work(session: Session) -> Domain:
        root = session.get(Domain, Domain.ROOT_ID)
        assert root is not None
        top = Domain(name=name, parent_id=root.id, path=f"/{name}/", level=1)
        session.add(top)
        root.child_count += 1
        level = [top]
        for _ in range(depth):
            session.flush()
            nxt = []
            for parent in level:
                parent.child_count = fanout
                for i in range(fanout):
                    child_name = f"d{parent.level}-{i}"
                    nxt.append(
                        Domain(
                            name=child_name,
                            parent_id=parent.id,
                            path=f"{parent.path}{child_name}/",
                            level=parent.level + 1,
                        )
                    )
            session.add_all(nxt)
            level = nxt
        session.flush()
        return top

    return db.run(work)


def live_in_subtree(db: Database, path: str) -> int:
    return db.run(
        lambda s: s.execute(
            select(func.count())
            .select_from(Domain)
            .where(Domain.path.startswith(path), Domain.removed.is_(None))
        ).scalar_one(),
        write=False,
    )


def orphans(db: Database) -> int:
    """Live domains whose parent was removed: must always be 0."""
    parent = Domain.__table__.alias("parent")
    return db.run(
        lambda s: s.execute(
            select(func.count())
            .select_from(Domain)
            .join(parent, parent.c.id == Domain.parent_id)
            .where(Domain.removed.is_(None), parent.c.removed.is_not(None))
        ).scalar_one(),
        write=False,
    )


def job_row(db: Database, uuid: str) -> AsyncJob:
    return db.run(
        lambda s: s.execute(select(AsyncJob).where(AsyncJob.uuid == uuid)).scalar_one(),
        write=False,
    )


def wait_for(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.02) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s (last value {value!r})")
        time.sleep(interval)


def as_dict(job: AsyncJob) -> dict[str, Any]:
    return {c.name: getattr(job, c.key) for c in AsyncJob.__mapper__.column_attrs}
