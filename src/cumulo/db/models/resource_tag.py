"""User-defined key/value tags on resources (createTags / listTags)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class ResourceTag(Entity):
    __tablename__ = "resource_tag"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", "key"),
        Index("ix_resource_tag_lookup", "resource_type", "key", "value"),
    )

    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    # CloudStack's ResourceObjectType name: UserVm, Volume, Account, ...
    resource_type: Mapped[str] = mapped_column(String(64))
    # Internal id of the tagged row, and its uuid as the wire shows it.
    resource_id: Mapped[int] = mapped_column(BigInteger)
    resource_uuid: Mapped[str] = mapped_column(String(40), index=True)
    # The owner of the tagged resource (not necessarily the tag's creator).
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), index=True)
    customer: Mapped[str | None] = mapped_column(String(255), nullable=True)
