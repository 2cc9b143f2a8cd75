"""The authenticator commands login and logout, declared like every other command.

The HTTP layer answers them (``cumulo.http.login``) before it looks for a
session or a signature, as CloudStack's ApiServlet does with its
APIAuthenticator commands; this declaration is what listApis, the
conformance test and ``cumulo api coverage`` see.
"""

from __future__ import annotations

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.params import LONG, STRING, Param
from cumulo.api.results import Result
from cumulo.api.roles import ALL_ROLES
from cumulo.errors import CommandUnavailable


def _served_by_http(call: Call, args: Args) -> Result:
    # Only reachable by calling the registry directly: /client/api never dispatches these.
    raise CommandUnavailable("login and logout are answered by /client/api before dispatch")


command(
    "login",
    params=[
        Param("username", STRING, required=True, description="Username"),
        Param("password", STRING, required=True, description="Hashed password (default MD5)"),
        Param("domain", STRING, description="Path of the domain the user belongs to"),
        Param("domainId", LONG, description="The id of the domain that the user belongs to"),
    ],
    roles=ALL_ROLES,
    response_class="LoginCmdResponse",
    authenticator=True,
    description=(
        "Logs a user into the CloudStack. A successful login attempt will generate a "
        "JSESSIONID cookie value that can be passed in subsequent Query command calls until the "
        '"logout" command has been issued or the session has expired.'
    ),
)(_served_by_http)

command(
    "logout",
    roles=ALL_ROLES,
    response_class="LogoutCmdResponse",
    authenticator=True,
    description="Logs out the user",
)(_served_by_http)
