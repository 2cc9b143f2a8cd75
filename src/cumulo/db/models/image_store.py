"""Secondary storage (image stores) and their staging caches."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class ImageStore(Entity, RemovableMixin):
    __tablename__ = "image_store"
    __table_args__ = (UniqueConstraint("name", "tombstone"),)

    name: Mapped[str] = mapped_column(String(255))
    # None for region-wide stores (S3, Swift).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"), nullable=True, index=True)
    # NFS | S3 | Swift | SMB
    provider: Mapped[str] = mapped_column(String(32))
    protocol: Mapped[str | None] = mapped_column(String(32), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # Image | ImageCache
    role: Mapped[str] = mapped_column(String(16), default="Image")
    # ZONE | REGION
    scope: Mapped[str] = mapped_column(String(16), default="ZONE")
    readonly: Mapped[bool] = mapped_column(Boolean, default=False)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class ImageStoreDetail(Base, IdMixin):
    __tablename__ = "image_store_detail"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    store_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("image_store.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(1024))
