"""Templates and ISOs, and their copies on image stores (one row per store).

Shared contract between the template service (registration, download, copy)
and the VM service (deploys from a template that is Ready in the VM's zone).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Base, CreatedMixin, Entity, IdMixin, RemovableMixin
from cumulo.db.models.store_copy import StoreCopyMixin


class VMTemplate(Entity, RemovableMixin):
    __tablename__ = "vm_template"
    __table_args__ = (Index("ix_vm_template_owner", "account_id", "domain_path"),)

    name: Mapped[str] = mapped_column(String(255))
    display_text: Mapped[str] = mapped_column(String(4096), default="")
    # False for ISOs (registerIso); listTemplates vs listIsos split on it.
    is_template: Mapped[bool] = mapped_column(Boolean, default=True)
    # USER | BUILTIN | SYSTEM | ROUTING | PERHOST
    template_type: Mapped[str] = mapped_column(String(16), default="USER")
    # QCOW2 | RAW | VHD | OVA | ISO ...
    format: Mapped[str] = mapped_column(String(16))
    hypervisor: Mapped[str] = mapped_column(String(32))
    guest_os_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Virtual size in bytes once known.
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bits: Mapped[int] = mapped_column(Integer, default=64)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    is_featured: Mapped[bool] = mapped_column(Boolean, default=False)
    is_extractable: Mapped[bool] = mapped_column(Boolean, default=False)
    cross_zones: Mapped[bool] = mapped_column(Boolean, default=False)
    bootable: Mapped[bool] = mapped_column(Boolean, default=True)
    password_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    ssh_key_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    is_dynamically_scalable: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_hvm: Mapped[bool] = mapped_column(Boolean, default=True)
    template_tag: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Owner
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), default="/")
    project_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # For createTemplate from a volume/snapshot.
    source_volume_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source_snapshot_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Active | Inactive
    state: Mapped[str] = mapped_column(String(16), default="Active")


class TemplateStoreRef(Base, IdMixin, CreatedMixin, StoreCopyMixin):
    """A template's copy on one image store of one zone, with its download state."""

    __tablename__ = "template_store_ref"
    __table_args__ = (UniqueConstraint("template_id", "store_id"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("vm_template.id"), index=True)
