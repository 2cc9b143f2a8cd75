"""Regions: this installation and its peers (``listRegions``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base


class Region(Base):
    """A CloudStack region; ids are integers chosen by the admin, as in CloudStack."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    endpoint: Mapped[str] = mapped_column(String(255))
    gslb_service_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    portableip_service_enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    # The region this installation is, created at bootstrap.
    LOCAL_ID = 1
    LOCAL_NAME = "Local"
