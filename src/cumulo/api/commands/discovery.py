"""listApis and listCapabilities (§2.6, §6.1)."""

from __future__ import annotations

from typing import Any

from cumulo import CLOUDSTACK_API_VERSION
from cumulo.api.access import is_allowed, role_rules
from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import REGISTRY, Command, command
from cumulo.api.params import Param, ParamType
from cumulo.api.responses import response_fields
from cumulo.api.results import ListResult, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.errors import OperationFailed


def api_view(cmd: Command) -> dict[str, Any]:
    related = sorted(
        other.name
        for other in REGISTRY.values()
        if other is not cmd
        and cmd.response_class
        and other.response_class == cmd.response_class
        and cmd.response_class != "SuccessResponse"
    )
    return {
        "name": cmd.name,
        "description": cmd.description,
        "since": cmd.since,
        "isasync": cmd.is_async,
        "related": ",".join(related) if related else None,
        "params": [
            {
                "name": p.name,
                "description": p.description,
                "type": p.type.value,
                "length": p.length,
                "required": p.required,
                "since": p.since,
            }
            for p in cmd.params
        ],
        "response": response_fields(cmd.response_class),
    }


@command(
    "listApis",
    roles=ALL_ROLES,
    params=[Param("name", ParamType.STRING, description="API name")],
    object_name="api",
    response_class="ApiDiscoveryResponse",
)
def list_apis(call: Call, args: Args) -> ListResult:
    """lists all available apis on the server, provided by the Api Discovery plugin"""
    rules = role_rules(call.db, call.caller.role_id)
    if args.name:
        cmd = REGISTRY.get(args.name.lower())
        if cmd is None or not is_allowed(call.caller, cmd, rules):
            raise OperationFailed(
                f"Api Discovery plugin was unable to find an api by that name or process any "
                f"apis: {args.name}"
            )
        return ListResult([api_view(cmd)], 1)
    visible = sorted(
        (c for c in REGISTRY.values() if is_allowed(call.caller, c, rules)), key=lambda c: c.name
    )
    return ListResult([api_view(c) for c in visible], len(visible))


@command(
    "listCapabilities",
    roles=ALL_ROLES,
    object_name="capability",
    response_class="CapabilitiesResponse",
)
def list_capabilities(call: Call, args: Args) -> ObjectResult:
    """Lists capabilities"""
    cfg = call.runtime.config
    return ObjectResult(
        {
            "cloudstackversion": CLOUDSTACK_API_VERSION,
            "cumuloversion": call.runtime.version,
            "securitygroupsenabled": False,
            "dynamicrolesenabled": True,
            "userpublictemplateenabled": True,
            "supportELB": "false",
            "projectinviterequired": cfg.get_bool("project.invite.required"),
            "allowusercreateprojects": cfg.get_bool("allow.user.create.projects"),
            "customdiskofferingminsize": 1,
            "customdiskofferingmaxsize": 1024,
            "kvmsnapshotenabled": True,
            "allowuserviewdestroyedvm": False,
            "allowuserexpungerecovervm": False,
            "apilimitinterval": cfg.get_int("api.throttling.interval"),
            "apilimitmax": cfg.get_int("api.throttling.max"),
            "defaultuipagesize": cfg.get_int("default.page.size"),
            "regionsecondaryenabled": False,
        }
    )
