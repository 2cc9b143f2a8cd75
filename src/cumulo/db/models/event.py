"""Events: the audit trail of every action (``listEvents``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class Event(Entity):
    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_account_created", "account_id", "created"),
        Index(
            "ix_event_domain_path_created",
            "domain_path",
            "created",
            mysql_length={"domain_path": 255},  # InnoDB key limit 3072 bytes
        ),
        # Newest-first listings across all accounts (root admin, listall).
        Index("ix_event_created", "created"),
        Index("ix_event_type_created", "type", "created"),
    )

    type: Mapped[str] = mapped_column(String(64))
    # Created | Scheduled | Started | Completed
    state: Mapped[str] = mapped_column(String(16), default="Completed")
    # INFO | WARN | ERROR
    level: Mapped[str] = mapped_column(String(8), default="INFO")
    description: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    domain_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The owner's domain path, so visibility is a prefix match without joins.
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    resource_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_uuid: Mapped[str | None] = mapped_column(String(40), nullable=True)
    start_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    display: Mapped[bool] = mapped_column(Boolean, default=True)
