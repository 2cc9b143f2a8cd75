"""Disk offerings, and the disk characteristics service offerings share with them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class DiskCharacteristics:
    """Columns common to disk and service offerings (CloudStack's disk_offering row)."""

    # shared | local
    storage_type: Mapped[str] = mapped_column(String(16), default="shared")
    # thin | sparse | fat
    provisioning_type: Mapped[str] = mapped_column(String(16), default="thin")
    # Comma-separated storage tags.
    storage_tags: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    customized_iops: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    min_iops: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    max_iops: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hypervisor_snapshot_reserve: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bytes_read_rate: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_read_rate_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_read_rate_max_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_write_rate: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_write_rate_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_write_rate_max_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_read_rate: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_read_rate_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_read_rate_max_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_write_rate: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_write_rate_max: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    iops_write_rate_max_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # none | writeback | writethrough | hypervisor_default
    cache_mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    encrypt: Mapped[bool] = mapped_column(Boolean, default=False)


class DiskOffering(Entity, RemovableMixin, DiskCharacteristics):
    __tablename__ = "disk_offering"
    name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(4096), default="")
    # Bytes; 0 for customized offerings.
    disk_size: Mapped[int] = mapped_column(BigInteger, default=0)
    customized: Mapped[bool] = mapped_column(Boolean, default=False)
    # Active | Inactive
    state: Mapped[str] = mapped_column(String(16), default="Active")
    display_offering: Mapped[bool] = mapped_column(Boolean, default=True)
    disk_size_strictness: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    # Set on the hidden disk offering CloudStack pairs with a service offering.
    system_use: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON object of the details map given at creation.
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
