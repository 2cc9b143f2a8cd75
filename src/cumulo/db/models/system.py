"""Installation-wide facts and login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, CreatedMixin, IdMixin, UTCDateTime


class SystemProperty(Base):
    """Key/value facts about this installation (e.g. the cluster key fingerprint)."""

    __tablename__ = "system_property"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(4096))


class UserSession(Base, IdMixin, CreatedMixin):
    """A ``login`` session; kept in the database so every node honours it."""

    __tablename__ = "user_session"

    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    session_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    last_access: Mapped[datetime] = mapped_column(UTCDateTime())
    expires: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    node_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
