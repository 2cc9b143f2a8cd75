"""API keys of a named user, for tools running on a management node itself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.account import User
from cumulo.db.models.domain import Domain
from cumulo.errors import InvalidParameter
from cumulo.services.keys import read_keys, register_keys
from cumulo.services.secrets import SecretBox


def user_keys(
    session: Session, secrets: SecretBox, username: str, domain_path: str
) -> tuple[str, str]:
    """The user's key pair, registering one when it has none."""
    user = session.execute(
        select(User)
        .join(Domain, Domain.id == User.domain_id)
        .where(User.username == username, Domain.path == domain_path, User.removed.is_(None))
    ).scalar()
    if user is None:
        raise InvalidParameter(f"no user {username!r} in domain {domain_path}")
    apikey, secret = read_keys(user, secrets)
    if apikey and secret:
        return apikey, secret
    return register_keys(session, user, secrets)
