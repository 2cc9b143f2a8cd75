"""The authenticator commands ``login`` and ``logout``."""

from __future__ import annotations

from cumulo.api.errorcodes import code_for
from cumulo.api.roles import RoleType
from cumulo.errors import CumuloError, InvalidParameter
from cumulo.http.auth import session_id_from_cookie
from cumulo.http.reply import Reply, envelope, error_reply, plain
from cumulo.runtime import Runtime
from cumulo.services import sessions

POST_ONLY_TEXT = "Please use HTTP POST to authenticate using this API"


def samesite_suffix(setting: str) -> str:
    return {
        "lax": "; SameSite=Lax",
        "strict": "; SameSite=Strict",
        "noneandsecure": "; SameSite=None; Secure",
    }.get(setting.strip().lower(), "")


def login(rt: Runtime, method: str, low: dict[str, str], *, json: bool, secure: bool) -> Reply:
    if method != "POST":
        return plain(405, POST_ONLY_TEXT)
    try:
        username, password = low.get("username"), low.get("password")
        if not username or password is None:
            missing = "username" if not username else "password"
            raise InvalidParameter(
                f"Unable to execute API command login due to missing parameter {missing}"
            )
        timeout = rt.config.get_int("session.timeout")

        def work(s):  # type: ignore[no-untyped-def]
            domain = sessions.find_login_domain(s, low.get("domain"), low.get("domainid"))
            return sessions.login(s, username, password, domain, timeout)

        try:
            opened = rt.db.run(work)
        except sessions.BadCredentials as exc:
            if exc.user_id is not None:
                uid = exc.user_id
                allowed = rt.config.get_int("incorrect.login.attempts.allowed")
                rt.db.run(lambda s: sessions.record_failed_login(s, uid, allowed))
            raise
    except CumuloError as exc:
        return error_reply("loginresponse", code_for(exc), exc.message, json=json)
    return _login_reply(rt, opened, json=json, secure=secure)


def _login_reply(rt: Runtime, opened: sessions.LoginSession, *, json: bool, secure: bool) -> Reply:
    caller, user = opened.caller, opened.user
    fields: dict[str, object] = {
        "username": user.username,
        "userid": user.uuid,
        "domainid": caller.domain_uuid,
        "timeout": opened.timeout_seconds,
        "account": caller.account_name,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "type": str(caller.account_type),
        "timezone": user.timezone,
        "registered": "false",
        "sessionkey": opened.session_key,
        "is2faenabled": "false",
        "is2faverified": "true",
        "issuerfor2fa": "cumulo",
    }
    if caller.role_type == RoleType.ADMIN and rt.node_uuid:
        fields["managementserverid"] = rt.node_uuid
    reply = envelope("loginresponse", fields, json=json)
    secure_attr = "; Secure" if secure else ""
    reply.cookies.append(f"JSESSIONID={opened.session_id}; Path=/client; HttpOnly{secure_attr}")
    samesite = samesite_suffix(rt.config.get("api.sessionkey.cookie.samesite"))
    reply.cookies.append(f"sessionkey={opened.session_key}; HttpOnly{samesite}")
    return reply


def logout(rt: Runtime, cookies: dict[str, str], *, json: bool) -> Reply:
    sid = session_id_from_cookie(cookies)
    try:
        rt.db.run(lambda s: sessions.logout(s, sid))
    except CumuloError as exc:
        return error_reply("logoutresponse", code_for(exc), exc.message, json=json)
    reply = envelope("logoutresponse", {"description": "success"}, json=json)
    for name in cookies:
        reply.cookies.append(
            f"{name}=; Max-Age=0; Path=/client" if name == "JSESSIONID" else f"{name}=; Max-Age=0"
        )
    return reply
