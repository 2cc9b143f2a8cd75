"""A volume's copy on an image store: uploaded from a URL, waiting to be attached."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, CreatedMixin, IdMixin


class VolumeStoreRef(Base, IdMixin, CreatedMixin):
    __tablename__ = "volume_store_ref"

    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("image_store.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    checksum: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The download columns template_store_ref has, so template_downloads moves both:
    # NOT_DOWNLOADED | DOWNLOAD_IN_PROGRESS | DOWNLOADED | DOWNLOAD_ERROR | ABANDONED
    download_state: Mapped[str] = mapped_column(String(32), default="NOT_DOWNLOADED")
    download_pct: Mapped[int] = mapped_column(Integer, default=0)
    error_text: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    install_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    physical_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Allocated | Creating | Ready | Destroyed (copied to primary storage or deleted)
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
