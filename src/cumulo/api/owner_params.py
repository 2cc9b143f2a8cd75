"""The ownership parameters CloudStack repeats on most commands, declared once.

List commands filter by owner with the §5 visibility parameters (handled by
``api.scope.list_scope``); commands that create a resource take its owner
(``services.resource_owner.resolve_owner``). ``projectid`` always resolves to
a Project row (or CloudStack's ``-1``), and dispatch checks the caller's
membership of that project once for every command.
"""

from __future__ import annotations

from cumulo.api.params import BOOLEAN, STRING, UUID, Param

ACCOUNT = Param("account", STRING, description="the account (with domainid) owning the resource")
DOMAIN = Param("domainid", UUID, entity="Domain", description="the domain of the account")
PROJECT = Param("projectid", UUID, entity="Project", description="the project of the resource")

# Who owns a resource being created.
OWNER = [ACCOUNT, DOMAIN, PROJECT]


def list_owner(*, project: bool = True) -> list[Param]:
    """The visibility filters of a list command (without projectid where projects own none)."""
    params = [
        Param("account", STRING, description="list resources by account"),
        Param("domainid", UUID, entity="Domain", description="list resources of the domain"),
        Param("isrecursive", BOOLEAN, description="list the subdomains' resources too"),
        Param("listall", BOOLEAN, description="list all resources the caller may see"),
    ]
    if project:
        params.append(Param("projectid", UUID, entity="Project", description="list by project"))
    return params


LIST_OWNER = list_owner()
