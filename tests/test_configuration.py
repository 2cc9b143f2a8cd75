"""Global settings: listConfigurations, updateConfiguration, resetConfiguration, groups."""

from __future__ import annotations

import time

import pytest

from cumulo.api.roles import RoleType
from cumulo.runtime import Runtime
from cumulo.services.config_catalog import CATALOG
from cumulo.services.config_groups import find_group
from tests.helpers_accounts import make_domain, make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud


def _one(cloud: Cloud, name: str, **scope: str) -> dict:
    body = cloud.admin.call("listConfigurations", name=name, **scope)
    exact = [c for c in body["configuration"] if c["name"] == name]
    assert len(exact) == 1, body
    return exact[0]


def _error(fn, *args, **kwargs) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as err:
        fn(*args, **kwargs)
    return err.value


def test_list_shows_cloudstack_fields(cloud: Cloud) -> None:
    cfg = _one(cloud, "api.throttling.max")
    assert cfg == {
        "category": "Advanced",
        "name": "api.throttling.max",
        "value": "25",
        "defaultvalue": "25",
        "description": "Max allowed number of APIs within fixed interval",
        "scope": "Global",
        "isdynamic": True,
        "component": "ManagementServer",
        "group": "Management Server",
        "subgroup": "API",
        "displaytext": "Api throttling max",
        "type": "Number",
    }
    sel = _one(cloud, "api.sessionkey.cookie.samesite")
    assert sel["type"] == "Select" and sel["options"] == "Lax,Strict,NoneAndSecure,Null"
    assert _one(cloud, "cpu.overprovisioning.factor")["scope"] == "Cluster"
    assert _one(cloud, "storage.overprovisioning.factor")["scope"] == "StoragePool"
    assert _one(cloud, "cluster.cpu.allocated.capacity.notificationthreshold")["type"] == "Range"


def test_list_filters(cloud: Cloud) -> None:
    everything = cloud.admin.call("listConfigurations", pagesize=-1)
    assert everything["count"] == len(CATALOG) == len(everything["configuration"])
    names = {
        c["name"]
        for c in cloud.admin.call("listConfigurations", name="throttling")["configuration"]
    }
    assert names == {
        "api.throttling.enabled",
        "api.throttling.interval",
        "api.throttling.max",
        "api.throttling.cachesize",
    }
    alerts = cloud.admin.call("listConfigurations", category="Alert", pagesize=-1)
    assert alerts["count"] > 10
    assert all(c["category"] == "Alert" for c in alerts["configuration"])
    domain_limits = cloud.admin.call("listConfigurations", category="domain defaults")
    assert {c["name"] for c in domain_limits["configuration"]} >= {
        "max.domain.cpus",
        "max.domain.memory",
    }
    jobs = cloud.admin.call("listConfigurations", group="Management Server", subgroup="Jobs")
    assert {c["name"] for c in jobs["configuration"]} == {
        "job.expire.minutes",
        "job.cancel.threshold.minutes",
    }
    by_keyword = cloud.admin.call("listConfigurations", keyword="overprovisioning")
    assert by_keyword["count"] == 3
    page = cloud.admin.call("listConfigurations", page=2, pagesize=5)
    assert page["count"] == len(CATALOG) and len(page["configuration"]) == 5
    assert cloud.admin.call("listConfigurations", name="no.such.setting") == {}


def test_catalogue_groups_are_cloudstack_groups() -> None:
    for setting in CATALOG.values():
        group = find_group(setting.group)
        assert group is not None, setting.name
        assert setting.subgroup in group.subgroups, setting.name
        assert setting.type in {
            "Integer",
            "Long",
            "Float",
            "Boolean",
            "String",
            "CSV",
            "Select",
            "Range",
        }, setting.name


def test_update_changes_value_and_the_node_sees_it_at_once(cloud: Cloud) -> None:
    assert cloud.rt.config.get_int("default.page.size") == 500  # warm the node's cache
    cfg = cloud.admin.call("updateConfiguration", name="default.page.size", value="3")[
        "configuration"
    ]
    assert cfg["value"] == "3" and cfg["defaultvalue"] == "500" and cfg["isdynamic"] is True
    assert cloud.rt.config.get_int("default.page.size") == 3
    assert _one(cloud, "default.page.size")["value"] == "3"
    events = cloud.admin.call("listEvents", type="CONFIGURATION.VALUE.EDIT")["event"]
    assert "default.page.size" in events[0]["description"]


def test_update_reaches_other_nodes_within_the_cache_ttl(cloud: Cloud) -> None:
    other = Runtime.open(cloud.settings)  # a second node on the same database
    try:
        assert other.config.get_int("api.throttling.max") == 25  # now cached there
        cloud.admin.call("updateConfiguration", name="api.throttling.max", value="7")
        started = time.monotonic()
        while other.config.get_int("api.throttling.max") != 7:
            assert time.monotonic() - started < other.config.ttl + 1.0, "change never arrived"
            time.sleep(0.1)
    finally:
        other.close()


BAD_VALUES = [
    ("api.throttling.max", "lots", "expected an Integer"),
    ("api.throttling.max", "2.5", "expected an Integer"),
    ("api.throttling.max", "99999999999", "out of range"),
    ("job.expire.minutes", "soon", "expected a Long"),
    ("cpu.overprovisioning.factor", "fast", "expected a Float"),
    ("cpu.overprovisioning.factor", "0.5", "between 1 and 1000"),
    ("api.throttling.enabled", "yes", "expected a Boolean"),
    ("api.sessionkey.check.locations", "Header", "expected one of CookieAndParameter"),
    ("cluster.memory.allocated.capacity.disablethreshold", "1.5", "between 0 and 1"),
    ("max.account.cpus", "-2", "of at least -1"),
]


def test_update_validates_by_type(cloud: Cloud) -> None:
    for name, value, expected in BAD_VALUES:
        before = _one(cloud, name)["value"]
        err = _error(cloud.admin.call, "updateConfiguration", name=name, value=value)
        assert err.status == 431, (name, value)
        assert expected in err.body["errortext"] and name in err.body["errortext"]
        assert _one(cloud, name)["value"] == before


def test_update_normalises_and_accepts_good_values(cloud: Cloud) -> None:
    on = cloud.admin.call("updateConfiguration", name="vm.destroy.forcestop", value="TRUE")
    assert on["configuration"]["value"] == "true"
    sel = cloud.admin.call(
        "updateConfiguration", name="api.sessionkey.check.locations", value="parameteronly"
    )
    assert sel["configuration"]["value"] == "ParameterOnly"
    rng = cloud.admin.call(
        "updateConfiguration",
        name="cluster.cpu.allocated.capacity.notificationthreshold",
        value="0.6",
    )
    assert rng["configuration"]["value"] == "0.6"


def test_unknown_setting_and_absent_value(cloud: Cloud) -> None:
    err = _error(cloud.admin.call, "updateConfiguration", name="no.such.thing", value="1")
    assert err.status == 431 and "no.such.thing" in err.body["errortext"]
    cloud.admin.call("updateConfiguration", name="api.throttling.interval", value="5")
    # Without value CloudStack answers the current setting and changes nothing.
    same = cloud.admin.call("updateConfiguration", name="api.throttling.interval")
    assert same["configuration"]["value"] == "5"
    # An empty value clears it: the default applies again.
    cleared = cloud.admin.call("updateConfiguration", name="api.throttling.interval", value="")
    assert cleared["configuration"]["value"] == "1"


def test_non_dynamic_setting_says_restart_needed(cloud: Cloud) -> None:
    cfg = cloud.admin.call("updateConfiguration", name="api.throttling.cachesize", value="1000")[
        "configuration"
    ]
    assert cfg["isdynamic"] is False and cfg["value"] == "1000"


def test_reset_restores_default(cloud: Cloud) -> None:
    cloud.admin.call("updateConfiguration", name="session.timeout", value="5")
    assert cloud.rt.config.get_int("session.timeout") == 5
    cfg = cloud.admin.call("resetConfiguration", name="session.timeout")["configuration"]
    assert cfg["value"] == "30"
    assert cloud.rt.config.get_int("session.timeout") == 30
    assert _one(cloud, "session.timeout")["value"] == "30"


def test_account_and_domain_scopes(cloud: Cloud) -> None:
    user = make_user(cloud, "scoped")
    domain = make_domain(cloud, "scoped-domain")
    cfg = cloud.admin.call(
        "updateConfiguration",
        name="allow.user.expunge.recover.vm",
        value="true",
        accountid=user.account_uuid,
    )["configuration"]
    assert cfg["scope"] == "account" and cfg["id"] == user.account_uuid
    assert cfg["value"] == "true"
    # The global value is untouched; the account sees its own.
    assert _one(cloud, "allow.user.expunge.recover.vm")["value"] == "false"
    assert cloud.rt.config.get_bool("allow.user.expunge.recover.vm", "Account", user.account_id)
    scoped = cloud.admin.call("listConfigurations", accountid=user.account_uuid, pagesize=-1)
    names = {c["name"] for c in scoped["configuration"]}
    assert "allow.user.expunge.recover.vm" in names and "api.throttling.max" not in names
    assert all(
        c["scope"] == "account" and c["id"] == user.account_uuid for c in scoped["configuration"]
    )
    cloud.admin.call(
        "updateConfiguration", name="api.key.access", value="false", domainid=domain["id"]
    )
    assert _one(cloud, "api.key.access", domainid=domain["id"])["value"] == "false"
    assert _one(cloud, "api.key.access")["value"] == "true"
    reset = cloud.admin.call(
        "resetConfiguration", name="allow.user.expunge.recover.vm", accountid=user.account_uuid
    )
    assert reset["configuration"]["value"] == "false"


def test_unsupported_or_unknown_scope_is_431(cloud: Cloud) -> None:
    user = make_user(cloud, "noscope")
    err = _error(
        cloud.admin.call,
        "updateConfiguration",
        name="api.throttling.max",
        value="3",
        accountid=user.account_uuid,
    )
    assert err.status == 431 and "Global only" in err.body["errortext"]
    domain = make_domain(cloud, "two")
    err = _error(
        cloud.admin.call,
        "updateConfiguration",
        name="api.key.access",
        value="false",
        accountid=user.account_uuid,
        domainid=domain["id"],
    )
    assert err.status == 431 and "only one ID" in err.body["errortext"]
    # No zone exists with this id (zones are another area): a clear 431, not a 530.
    err = _error(
        cloud.admin.call,
        "listConfigurations",
        zoneid="3f1b0c2e-4a5d-4e6f-8a9b-0c1d2e3f4a5b",
    )
    assert err.status == 431 and "no Zone with this id" in err.body["errortext"]


def test_configuration_groups(cloud: Cloud) -> None:
    body = cloud.admin.call("listConfigurationGroups")
    names = [g["name"] for g in body["configurationgroup"]]
    assert names[0] == "Access" and names[-1] == "Miscellaneous"
    assert "Management Server" in names and body["count"] == len(names)
    ms = cloud.admin.call("listConfigurationGroups", group="management server")
    (group,) = ms["configurationgroup"]
    assert group["precedence"] == 6
    assert {"name": "API", "precedence": 1} in group["subgroup"]
    assert cloud.admin.call("listConfigurationGroups", group="nothing") == {}


def test_configuration_commands_are_root_admin_only(cloud: Cloud) -> None:
    dadmin = make_user(cloud, "dadmin", RoleType.DOMAIN_ADMIN)
    for command, params in [
        ("listConfigurations", {}),
        ("updateConfiguration", {"name": "api.throttling.max", "value": "1"}),
        ("resetConfiguration", {"name": "api.throttling.max"}),
        ("listConfigurationGroups", {}),
    ]:
        err = _error(dadmin.client.call, command, **params)
        assert err.status == 432
    assert _one(cloud, "api.throttling.max")["value"] == "25"
