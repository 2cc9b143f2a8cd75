"""The one place where cumulo's exceptions become CloudStack error codes."""

from __future__ import annotations

from dataclasses import dataclass

from cumulo import errors as e


@dataclass(frozen=True)
class ErrorCode:
    http: int  # also the envelope's errorcode
    cs: int | None  # cserrorcode (CSExceptionErrorCode); None where CloudStack omits it


CODES: dict[type[e.CumuloError], ErrorCode] = {
    e.BadRequest: ErrorCode(400, None),
    e.Unauthenticated: ErrorCode(401, None),
    e.TooManyRequests: ErrorCode(429, 9999),
    e.MalformedParameter: ErrorCode(430, 9999),
    e.InvalidParameter: ErrorCode(431, 4350),
    e.CommandUnavailable: ErrorCode(432, 9999),
    e.ServiceUnavailable: ErrorCode(503, 9999),
    e.OperationFailed: ErrorCode(530, 4250),
    e.ConcurrentOperation: ErrorCode(530, 4300),
    e.PermissionDenied: ErrorCode(531, 4365),
    e.AuthenticationFailed: ErrorCode(531, 4290),
    e.ResourceLimitExceeded: ErrorCode(532, 4370),
    e.InsufficientCapacity: ErrorCode(533, 4325),
    e.ResourceUnavailable: ErrorCode(534, 4380),
    e.ResourceAllocationFailed: ErrorCode(535, 4370),
    e.ResourceInUse: ErrorCode(536, 4375),
    e.NetworkRuleConflict: ErrorCode(537, 4250),
}
INTERNAL = ErrorCode(530, 9999)
INTERNAL_TEXT = "Internal error executing command, please contact your system administrator"


def code_for(exc: BaseException) -> ErrorCode:
    for cls in type(exc).__mro__:
        if cls in CODES:
            return CODES[cls]
    return INTERNAL
