"""The guest OS catalogue: categories and the OS types templates and VMs name."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class GuestOsCategory(Entity):
    __tablename__ = "guest_os_category"

    name: Mapped[str] = mapped_column(String(255), unique=True)
    is_featured: Mapped[bool] = mapped_column(Boolean, default=False)


class GuestOs(Entity, RemovableMixin):
    __tablename__ = "guest_os"
    __table_args__ = (UniqueConstraint("display_name", "tombstone"),)

    category_id: Mapped[int] = mapped_column(ForeignKey("guest_os_category.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    display_name: Mapped[str] = mapped_column(String(255))
    is_user_defined: Mapped[bool] = mapped_column(Boolean, default=False)
    for_display: Mapped[bool] = mapped_column(Boolean, default=True)
    # JSON object of hypervisor mapping details given with addGuestOs.
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
