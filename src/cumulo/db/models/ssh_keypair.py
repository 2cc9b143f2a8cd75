"""SSH key pairs registered by accounts for injection into VMs."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import PATH_LENGTH, Entity


class SshKeyPair(Entity):
    """Deleted for good on deleteSSHKeyPair, as in CloudStack (no history kept)."""

    __tablename__ = "ssh_keypair"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    name: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    # The owner's domain path, for prefix visibility checks without joins.
    domain_path: Mapped[str] = mapped_column(String(PATH_LENGTH), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128), index=True)
    public_key: Mapped[str] = mapped_column(Text)
