"""Accounts and their users."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin


class AccountType:
    """CloudStack's account type ordinals (``Account.Type``)."""

    USER = 0
    ADMIN = 1
    DOMAIN_ADMIN = 2
    RESOURCE_DOMAIN_ADMIN = 3
    READ_ONLY_ADMIN = 4
    PROJECT = 5


class Account(Entity, RemovableMixin):
    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("domain_id", "name", "tombstone"),
        # Admin lists walk this index in id order and count and keyword-match on it alone
        # (docs/benchmarks-scale.md): no sort, no table rows for the rows skipped or counted.
        Index("ix_account_list", "removed", "id", "type", "domain_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[int] = mapped_column(Integer, default=AccountType.USER)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id"), nullable=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"), index=True)
    # enabled | disabled | locked
    state: Mapped[str] = mapped_column(String(16), default="enabled")
    network_domain: Mapped[str | None] = mapped_column(String(255), nullable=True)
    api_key_access: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Entity, RemovableMixin):
    __tablename__ = "user"
    __table_args__ = (UniqueConstraint("domain_id", "username", "tombstone"),)

    username: Mapped[str] = mapped_column(String(255))
    # argon2 hash; empty for users that authenticate elsewhere (LDAP).
    password: Mapped[str] = mapped_column(String(255), default="")
    firstname: Mapped[str] = mapped_column(String(255), default="")
    lastname: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # enabled | disabled | locked
    state: Mapped[str] = mapped_column(String(16), default="enabled")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # Copied from the account so that usernames can be unique per domain.
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id"))
    api_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    # Encrypted with the cluster key (cumulo.services.secrets).
    secret_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="native")
    external_entity: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    api_key_access: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    login_attempts: Mapped[int] = mapped_column(Integer, default=0)


class AccountDetail(Entity):
    """Free-form key/value settings of an account (``accountdetails``)."""

    __tablename__ = "account_detail"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(4096), default="")
