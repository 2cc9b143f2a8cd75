"""Declarative base and the column conventions every table follows.

Galera rules: every table has a primary key, no MEMORY tables. Integer keys
stay inside; the wire only ever sees ``uuid``. Rows CloudStack keeps as history
are soft-deleted: ``removed`` is set and ``tombstone`` takes the row's id, so
unique constraints that include ``tombstone`` only bind live rows (MariaDB has
no partial indexes).
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.dialects.mysql import DATETIME as MYSQL_DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Domain paths ("/a/b/") are indexed, also together with other columns; in
# utf8mb4 every character may take 4 bytes and MariaDB keys hold 3072 bytes.
PATH_LENGTH = 512

# SQLite only auto-increments an INTEGER PRIMARY KEY; MariaDB wants BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_uuid() -> str:
    return str(uuidlib.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored naive in UTC and handed back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[datetime]:
        # MariaDB's plain DATETIME drops the fraction; leases and heartbeats want it.
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(MYSQL_DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class UuidMixin:
    uuid: Mapped[str] = mapped_column(String(40), unique=True, default=new_uuid)


class CreatedMixin:
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RemovableMixin:
    removed: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # 0 while live; the row's own id once removed (see module docstring).
    tombstone: Mapped[int] = mapped_column(BigInteger, default=0)

    def mark_removed(self) -> None:
        self.removed = utcnow()
        self.tombstone = self.id  # type: ignore[attr-defined]


class Entity(Base, IdMixin, UuidMixin, CreatedMixin):
    """An API-visible resource: integer key inside, UUID outside."""

    __abstract__ = True
