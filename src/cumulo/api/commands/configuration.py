"""Global settings (§6.12): listConfigurations, updateConfiguration, resetConfiguration."""

from __future__ import annotations

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import page_window
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult
from cumulo.api.views.configuration import configuration_view, group_view
from cumulo.services import config_values
from cumulo.services.config_catalog import CATALOG, Setting
from cumulo.services.config_groups import GROUPS, find_group
from cumulo.services.config_scopes import ScopeRef, pick_scope

# Scope kind → the parameter naming its object, as CloudStack spells it per command.
_SCOPE_PARAMS = {
    "Zone": "zoneid",
    "Cluster": "clusterid",
    "StoragePool": "storageid",
    "Account": "accountid",
    "Domain": "domainid",
    "ImageStore": "imagestoreuuid",
}


def _scope_params(image_store: str = "imagestoreuuid") -> list[Param]:
    what = {
        "zoneid": "the ID of the Zone to update the parameter value for corresponding zone",
        "clusterid": "the ID of the Cluster to update the parameter value for corresponding "
        "cluster",
        "storageid": "the ID of the Storage pool to update the parameter value for "
        "corresponding storage pool",
        "accountid": "the ID of the Account to update the parameter value for corresponding "
        "account",
        "domainid": "the ID of the Domain to update the parameter value for corresponding domain",
        image_store: "the ID of the Image Store to update the parameter value for "
        "corresponding image store",
    }
    return [Param(name, UUID, description=text) for name, text in what.items()]


def _scope(call: Call, args: Args, image_store: str = "imagestoreuuid") -> ScopeRef | None:
    params = dict(_SCOPE_PARAMS, ImageStore=image_store)
    return pick_scope(call.db, {kind: (p, args.get(p)) for kind, p in params.items()})


def _matches(setting: Setting, args: Args, scope: ScopeRef | None) -> bool:
    if scope is not None and scope.kind not in setting.scopes:
        return False
    if args.name and args.name.lower() not in setting.name.lower():
        return False
    for key, have in (
        ("category", setting.category),
        ("group", setting.group),
        ("subgroup", setting.subgroup),
        ("parent", setting.parent),
    ):
        wanted = args.get(key)
        if wanted is not None and (have or "").lower() != wanted.lower():
            return False
    if args.keyword:
        word = args.keyword.lower()
        fields = (setting.name, setting.description, setting.category, setting.component)
        return any(word in f.lower() for f in fields)
    return True


@command(
    "listConfigurations",
    params=[
        *_scope_params(),
        Param("name", STRING, description="lists configuration by name"),
        Param("category", STRING, description="lists configurations by category"),
        Param("group", STRING, description="lists configuration by group name", since="4.18.0"),
        Param(
            "subgroup", STRING, description="lists configuration by subgroup name", since="4.18.0"
        ),
        Param("parent", STRING, description="lists configuration by parent name", since="4.18.0"),
    ],
    is_list=True,
    object_name="configuration",
    response_class="ConfigurationResponse",
)
def list_configurations(call: Call, args: Args) -> ListResult:
    """Lists all configurations."""
    scope = _scope(call, args)
    chosen = sorted((s for s in CATALOG.values() if _matches(s, args, scope)), key=lambda s: s.name)
    offset, limit = page_window(call, args)
    page = chosen[offset : None if limit is None else offset + limit]
    global_values = config_values.stored(call.db, None)
    scoped_values = config_values.stored(call.db, scope) if scope else {}
    items = []
    for setting in page:
        value = scoped_values.get(setting.name)
        if value is None:
            value = global_values.get(setting.name)
        shown = value if value is not None else setting.default
        items.append(configuration_view(setting, shown, scope))
    return ListResult(items, len(chosen))


@command(
    "updateConfiguration",
    params=[
        *_scope_params(),
        Param("name", STRING, required=True, description="the name of the configuration"),
        Param(
            "value",
            STRING,
            length=4096,
            description="the value of the configuration; empty resets it to the default",
        ),
    ],
    object_name="configuration",
    response_class="ConfigurationResponse",
)
def update_configuration(call: Call, args: Args) -> ObjectResult:
    """Updates a configuration."""
    setting = config_values.find_setting(args.name)
    scope = _scope(call, args)
    config_values.check_scope(setting, scope)
    if args.value is not None:  # absent: CloudStack answers the current value unchanged
        config_values.update(call.db, call.caller, setting, args.value, scope, call.runtime.secrets)
        call.runtime.config.invalidate_after_commit(call.db)
    value = config_values.effective(call.db, setting, scope)
    return ObjectResult(configuration_view(setting, value, scope))


@command(
    "resetConfiguration",
    params=[
        *_scope_params("imagestoreid"),
        Param("name", STRING, required=True, description="the name of the configuration"),
    ],
    since="4.16.0",
    object_name="configuration",
    response_class="ConfigurationResponse",
)
def reset_configuration(call: Call, args: Args) -> ObjectResult:
    """Resets a configuration. The configuration will be set to default value for global
    setting, and removed from account_details or domain_details for Account/Domain
    settings"""
    setting = config_values.find_setting(args.name)
    scope = _scope(call, args, "imagestoreid")
    config_values.reset(call.db, call.caller, setting, scope)
    call.runtime.config.invalidate_after_commit(call.db)
    value = config_values.effective(call.db, setting, scope)
    return ObjectResult(configuration_view(setting, value, scope))


@command(
    "listConfigurationGroups",
    params=[Param("group", STRING, description="lists configuration group by group name")],
    is_list=True,
    since="4.18.0",
    object_name="configurationgroup",
    response_class="ConfigurationGroupResponse",
)
def list_configuration_groups(call: Call, args: Args) -> ListResult:
    """Lists all configuration groups (primarily used for UI)."""
    if args.group:
        found = find_group(args.group)
        groups = [found] if found else []
    else:
        groups = list(GROUPS)
    if args.keyword:
        word = args.keyword.lower()
        groups = [g for g in groups if word in g.name.lower() or word in g.description.lower()]
    offset, limit = page_window(call, args)
    page = groups[offset : None if limit is None else offset + limit]
    return ListResult([group_view(g) for g in page], len(groups))
