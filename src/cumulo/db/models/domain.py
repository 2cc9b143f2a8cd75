"""Domains: the tree that scopes accounts and resources."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity, RemovableMixin


class Domain(Entity, RemovableMixin):
    __tablename__ = "domain"
    __table_args__ = (UniqueConstraint("parent_id", "name", "tombstone"),)

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("domain.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    # "/" for ROOT, "/a/b/" below it: visibility checks are prefix matches. The
    # length keeps the index within InnoDB's 3072-byte key limit in utf8mb4.
    path: Mapped[str] = mapped_column(String(PATH_LENGTH), index=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    child_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="Active")
    network_domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    ROOT_ID = 1
