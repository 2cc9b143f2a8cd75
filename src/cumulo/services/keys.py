"""A user's API key pair: generation, storage (secret sealed), retrieval."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.account import User
from cumulo.services.apikeys import new_key
from cumulo.services.secrets import SecretBox


def register_keys(session: Session, user: User, secrets: SecretBox) -> tuple[str, str]:
    """Give the user a fresh key pair, replacing any old one."""
    while True:
        api_key = new_key()
        taken = session.execute(select(User.id).where(User.api_key == api_key)).first()
        if not taken:
            break
    secret = new_key()
    user.api_key = api_key
    user.secret_key = secrets.seal(secret)
    session.flush()
    return api_key, secret


def read_keys(user: User, secrets: SecretBox) -> tuple[str | None, str | None]:
    secret = secrets.open(user.secret_key) if user.secret_key else None
    return user.api_key, secret
