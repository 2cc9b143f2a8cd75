"""``/client/api``: from merged request parameters to a finished reply.

The order of checks follows CloudStack's ApiServlet: authenticator commands,
session or signature, command lookup, POST enforcement, control characters,
role access, rate limit, then the command itself.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass

from cumulo.api.declaration import lookup
from cumulo.api.dispatch import dispatch
from cumulo.api.envelope import body_of
from cumulo.api.errorcodes import INTERNAL, INTERNAL_TEXT, code_for
from cumulo.errors import (
    BadRequest,
    CommandUnavailable,
    CumuloError,
    InvalidParameter,
    TooManyRequests,
    Unauthenticated,
)
from cumulo.http import login as login_cmds
from cumulo.http.auth import SIGNED_FAILURE, session_caller, signed_caller
from cumulo.http.params import bad_character_param, lowered
from cumulo.http.ratelimit import RateLimiter
from cumulo.http.reply import Reply, envelope, error_reply
from cumulo.runtime import Runtime

log = logging.getLogger(__name__)
GET_ALLOWED = re.compile(r"^(get|list|query|find)\w+$")
GET_ALLOWLIST = frozenset(
    {
        "isaccountallowedtocreateofferingswithtags",
        "readyforshutdown",
        "cloudianisenabled",
        "quotabalance",
        "quotasummary",
        "quotatarifflist",
        "quotaisenabled",
        "quotastatement",
        "verifyoauthcodeandgetuser",
    }
)


@dataclass
class ApiRequest:
    method: str
    params: dict[str, str]  # names as received
    cookies: dict[str, str]
    client_ip: str = ""
    secure: bool = False
    # time.monotonic() when the request arrived, before it queued for a thread.
    received: float | None = None


class ApiHandler:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        # api.throttling.cachesize is not dynamic: read once, at start.
        self.limiter = RateLimiter(rt.config.get_int("api.throttling.cachesize"))

    def handle(self, req: ApiRequest) -> Reply:
        low = lowered(req.params)
        json = low.get("response", "").lower() == "json"
        name = low.get("command", "")
        declared = lookup(name) if name else None
        if declared is not None and declared.authenticator:  # login or logout
            if declared.name == "login":
                return login_cmds.login(self.rt, req.method, low, json=json, secure=req.secure)
            return login_cmds.logout(self.rt, req.cookies, json=json)
        request_id = f"{random.getrandbits(48):012x}"  # for logs only; uuid4 reads urandom
        wrapper = "errorresponse"
        try:
            command = declared
            if command is not None:
                wrapper = command.wrapper
            caller = session_caller(self.rt, req.cookies, low)
            if caller is None:
                caller = signed_caller(self.rt, req.params, low)
                if command is None:
                    raise Unauthenticated(SIGNED_FAILURE)
            if not name:
                raise BadRequest("no command specified")
            if command is None:
                raise CommandUnavailable(
                    f"The API [{name}] does not exist or is not available for the account "
                    f"{caller.account_name}."
                )
            wrapper = command.wrapper
            self._check_method(command.name, req.method)
            bad = bad_character_param(req.params)
            if bad is not None:
                raise InvalidParameter(
                    f"Received value containing illegal ASCII non-printable characters for "
                    f"parameter {bad}"
                )
            self._throttle(caller.account_id, caller.is_root_admin)
            result = dispatch(
                self.rt,
                caller,
                command,
                low,
                http_method=req.method,
                request_id=request_id,
                received=req.received,
            )
            return envelope(wrapper, body_of(result, command.object_name), json=json)
        except CumuloError as exc:
            if isinstance(exc, CommandUnavailable):
                wrapper = "errorresponse"
            return error_reply(wrapper, code_for(exc), exc.message, json=json, uuids=exc.uuids)
        except Exception:
            log.exception("request %s (%s) failed", request_id, name)
            return error_reply(
                wrapper, INTERNAL, f"{INTERNAL_TEXT} (request {request_id})", json=json
            )

    def _check_method(self, name: str, method: str) -> None:
        lname = name.lower()
        if (
            lname == "updateconfiguration"
            and method != "POST"
            and self.rt.config.get_bool("enforce.post.requests.and.timestamps")
        ):
            raise BadRequest(f"State changing command {name} needs to be sent using POST request")
        if method == "POST" or GET_ALLOWED.match(lname) or lname in GET_ALLOWLIST:
            return
        if self.rt.config.get_bool("enforce.post.requests.and.timestamps"):
            raise BadRequest(f"State changing command {name} needs to be sent using POST request")

    def _throttle(self, account_id: int, root_admin: bool) -> None:
        # As CloudStack's ApiRateLimitServiceImpl: root admins are never limited.
        if root_admin or not self.rt.config.get_bool("api.throttling.enabled"):
            return
        limit = self.rt.config.get_int("api.throttling.max")
        interval = self.rt.config.get_int("api.throttling.interval")
        if not self.limiter.allow(account_id, limit, interval):
            wait = self.limiter.retry_after_ms(account_id, interval)
            raise TooManyRequests(
                f"The given user has reached his/her account api limit, please retry after "
                f"[{wait}] ms."
            )
