"""The one exception hierarchy of cumulo.

Services raise these; the http layer maps each class to CloudStack's error code
(``cumulo.http.errors``). Messages are written for the person who has to fix
the request.
"""

from __future__ import annotations


class CumuloError(Exception):
    """Base of every error a caller may see."""

    def __init__(self, message: str, *, uuids: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # (uuid, description) pairs echoed in the envelope's uuidList.
        self.uuids = uuids or []


class InvalidParameter(CumuloError):
    """A parameter is missing, of the wrong type, or names nothing that exists."""


class MalformedParameter(CumuloError):
    """A parameter's name or structure is broken (e.g. a bad map key)."""


class Unauthenticated(CumuloError):
    """The caller could not be identified (signature, session, disabled user)."""


class CommandUnavailable(CumuloError):
    """The command does not exist or the caller's role may not use it."""


class PermissionDenied(CumuloError):
    """The caller may not act on this resource."""


class AuthenticationFailed(CumuloError):
    """Login with wrong credentials."""


class ResourceLimitExceeded(CumuloError):
    """An account or domain limit would be exceeded."""


class InsufficientCapacity(CumuloError):
    """The cloud has no room for the request."""


class ResourceUnavailable(CumuloError):
    """A resource needed for the operation cannot be used now."""


class ResourceAllocationFailed(CumuloError):
    """Allocating a resource failed."""


class ResourceInUse(CumuloError):
    """The resource is still used by something else."""


class NetworkRuleConflict(CumuloError):
    """A network rule overlaps an existing one."""


class ConcurrentOperation(CumuloError):
    """Another operation changed the resource first; the caller may retry."""


class OperationFailed(CumuloError):
    """An operation failed for a reason that is not the caller's mistake."""


class ServiceUnavailable(CumuloError):
    """This node does not accept the request now (draining, fenced)."""


class TooManyRequests(CumuloError):
    """The account exceeded its API rate limit."""


class BadRequest(CumuloError):
    """The HTTP request itself is unusable (no command, GET where POST is needed)."""
