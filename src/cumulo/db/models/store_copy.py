"""The columns every copy on an image store has: where it is and how its download goes.

template_store_ref and volume_store_ref share them, so one download loop
(``services/template_downloads.py``) moves both.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class StoreCopyMixin:
    store_id: Mapped[int] = mapped_column(ForeignKey("image_store.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    # NOT_DOWNLOADED | DOWNLOAD_IN_PROGRESS | DOWNLOADED | DOWNLOAD_ERROR | ABANDONED
    download_state: Mapped[str] = mapped_column(String(32), default="NOT_DOWNLOADED")
    download_pct: Mapped[int] = mapped_column(Integer, default=0)
    error_text: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    install_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    physical_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Allocated | Creating | Ready | Destroyed
    state: Mapped[str] = mapped_column(String(16), default="Allocated")
