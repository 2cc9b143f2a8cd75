"""Domain paths are stored in many places: rewrite them all when a subtree's path changes."""

from __future__ import annotations

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.orm import Session

from cumulo.db.base import PATH_LENGTH, Base
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter


def rewrite(session: Session, old_path: str, new_path: str) -> None:
    """Every stored copy of a subtree's path: the domains' ``path`` and the
    ``domain_path`` that owned rows keep for prefix visibility checks."""
    if old_path == new_path:
        return
    start = len(old_path) + 1
    for table in Base.metadata.sorted_tables:
        for name in ("path", "domain_path") if table.name == "domain" else ("domain_path",):
            if name not in table.c:
                continue
            column = table.c[name]
            session.execute(
                update(table)
                .where(column.startswith(old_path, autoescape=True))
                .values({name: literal(new_path, String).concat(func.substr(column, start))})
                .execution_options(synchronize_session=False)
            )
    session.expire_all()  # loaded rows hold the old paths


def check_fits(session: Session, old_path: str, new_path: str) -> None:
    """Every path of the subtree stays within the indexed column (db.base.PATH_LENGTH)."""
    longest = session.execute(
        select(func.max(func.length(Domain.path))).where(
            Domain.path.startswith(old_path, autoescape=True)
        )
    ).scalar_one()
    if longest - len(old_path) + len(new_path) > PATH_LENGTH:
        raise InvalidParameter(
            f"Paths below {new_path} would be longer than {PATH_LENGTH} characters; "
            "choose shorter names or a parent higher up"
        )
