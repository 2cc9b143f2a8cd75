"""Launch permissions: accounts a private template or ISO is shared with."""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, CreatedMixin, IdMixin


class TemplatePermission(Base, IdMixin, CreatedMixin):
    __tablename__ = "template_permission"
    __table_args__ = (UniqueConstraint("template_id", "account_id"),)

    template_id: Mapped[int] = mapped_column(ForeignKey("vm_template.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
