"""Accounts (the full set of operations is built on this module)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account, User
from cumulo.services import events


def remove(session: Session, caller: Caller, account: Account) -> None:
    """Soft-delete an account and its users."""
    for user in session.execute(
        select(User).where(User.account_id == account.id, User.removed.is_(None))
    ).scalars():
        user.mark_removed()
        user.api_key = None
        user.secret_key = None
    account.mark_removed()
    events.record(
        session,
        caller,
        "ACCOUNT.DELETE",
        f"Account deleted: {account.name}",
        resource_type="Account",
        resource_uuid=account.uuid,
        account_id=account.id,
        domain_id=account.domain_id,
    )
