"""Who is calling: a login session (cookie + session key) or a signed request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.params import parse_tz_datetime
from cumulo.db.models.domain import Domain
from cumulo.db.models.system import UserSession
from cumulo.errors import Unauthenticated
from cumulo.http import signing
from cumulo.runtime import Runtime
from cumulo.services.callers import caller_for_user, find_by_api_key, is_active

SIGNED_FAILURE = "unable to verify user credentials and/or request signature"
SESSION_FAILURE = "unable to verify user credentials"
# Touch a session's expiry at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=30)
# With enforce.post.requests.and.timestamps, a signed request may not be valid longer.
MAX_EXPIRES_AHEAD = timedelta(minutes=15)


def session_id_from_cookie(cookies: dict[str, str]) -> str | None:
    raw = cookies.get("JSESSIONID")
    if not raw:
        return None
    return raw.split(".", 1)[0]  # Jetty appends ".<worker>" behind some balancers


def session_caller(rt: Runtime, cookies: dict[str, str], params: dict[str, str]) -> Caller | None:
    """The caller of a live login session, ``None`` when there is no session."""
    sid = session_id_from_cookie(cookies)
    if sid is None:
        return None
    mode = rt.config.get("api.sessionkey.check.locations")
    return rt.db.run(lambda s: _session_caller(s, rt, sid, mode, cookies, params))


def _session_caller(
    session: Session,
    rt: Runtime,
    sid: str,
    mode: str,
    cookies: dict[str, str],
    params: dict[str, str],
) -> Caller | None:
    now = datetime.now(UTC)
    row = session.execute(select(UserSession).where(UserSession.session_id == sid)).scalar()
    if row is None or row.expires < now:
        return None
    if not _session_key_ok(
        mode, row.session_key, cookies.get("sessionkey"), params.get("sessionkey")
    ):
        session.execute(delete(UserSession).where(UserSession.id == row.id))
        raise Unauthenticated(SESSION_FAILURE)
    found = caller_for_user(session, row.user_id)
    if found is None or not is_active(found[1], found[2]):
        raise Unauthenticated(SESSION_FAILURE)
    if now - row.last_access > TOUCH_EVERY:
        timeout = timedelta(minutes=rt.config.get_int("session.timeout"))
        session.execute(
            update(UserSession)
            .where(UserSession.id == row.id)
            .values(last_access=now, expires=now + timeout)
        )
    return found[0]


def _session_key_ok(mode: str, stored: str, cookie: str | None, param: str | None) -> bool:
    mode = mode.lower()
    if mode == "cookieorparameter":
        present = [v for v in (cookie, param) if v is not None]
        return bool(present) and all(v == stored for v in present)
    if mode == "parameteronly":
        return param == stored and (cookie is None or cookie == stored)
    return cookie == stored and param == stored  # CookieAndParameter, the default


def signed_caller(rt: Runtime, params: dict[str, str], low: dict[str, str]) -> Caller:
    """Verify an API-key signature exactly over the parameters as received."""
    api_key = low.get("apikey")
    signature = low.get("signature")
    if not api_key or not signature:
        raise Unauthenticated(SIGNED_FAILURE)
    found = rt.api_keys.get(api_key)
    if found is None:
        stamp = rt.api_keys.stamp()  # before the read: a change racing with it wins
        found = rt.db.run(lambda s: _key_owner(s, rt, api_key), write=False)
        if found is not None:  # only live, usable keys; see Settings.auth_cache_seconds
            rt.api_keys.put(api_key, found, stamp)
    if found is None:
        raise Unauthenticated(SIGNED_FAILURE)
    caller, secret = found
    if not signing.verify(params, signature, secret):
        raise Unauthenticated(SIGNED_FAILURE)
    enforced = rt.config.get_bool("enforce.post.requests.and.timestamps")
    if low.get("signatureversion") == "3":
        _check_expires(low.get("expires"), MAX_EXPIRES_AHEAD if enforced else None)
    elif enforced:
        raise Unauthenticated(SIGNED_FAILURE)
    return caller


def _check_expires(expires: str | None, max_ahead: timedelta | None) -> None:
    """``expires`` must not have passed; when enforced, nor lie too far ahead."""
    if not expires:
        raise Unauthenticated(SIGNED_FAILURE)
    try:
        moment = parse_tz_datetime(expires)
    except ValueError:
        raise Unauthenticated(SIGNED_FAILURE) from None
    now = datetime.now(UTC)
    if moment < now or (max_ahead is not None and moment > now + max_ahead):
        raise Unauthenticated(SIGNED_FAILURE)


def _key_owner(session: Session, rt: Runtime, api_key: str) -> tuple[Caller, str] | None:
    found = find_by_api_key(session, api_key)
    if found is None:
        return None
    caller, user, account = found
    if not is_active(user, account) or user.secret_key is None:
        return None
    access = user.api_key_access
    if access is None:
        access = account.api_key_access
    if access is None:
        domain = session.get(Domain, caller.domain_id)
        access = rt.config.get_bool("api.key.access", "Domain", domain.id if domain else 0)
    if not access:
        return None
    return caller, rt.secrets.open(user.secret_key)
