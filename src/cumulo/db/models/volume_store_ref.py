"""A volume's copy on an image store: uploaded from a URL, waiting to be attached."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, CreatedMixin, IdMixin
from cumulo.db.models.store_copy import StoreCopyMixin


class VolumeStoreRef(Base, IdMixin, CreatedMixin, StoreCopyMixin):
    """``state`` Destroyed: copied to primary storage on attach, or the volume deleted."""

    __tablename__ = "volume_store_ref"

    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    checksum: Mapped[str | None] = mapped_column(String(255), nullable=True)
