"""Every declared command against CloudStack's API specification, and listApis against both.

Generic over the registry: commands added by anyone are checked the moment
they are declared. The specification lives beside the repository
(``shared/reference/cloudstack-api-spec.json``) and is found by
``cumulo.api.spec.find_spec``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cumulo.api.declaration import Command, Kind, load_commands
from cumulo.api.params import Param, ParamType
from cumulo.api.spec import FRAMEWORK_PARAMS, Spec, load_spec, mismatches
from tests.support.cloud import Cloud

# Where the extracted specification is wrong about CloudStack itself: command →
# {mismatch text: the evidence}. Keep it short; each entry needs a reason.
SPEC_ERRATA: dict[str, dict[str, str]] = {
    "configureSimulator": {
        "wrapper simulatormock, spec configuresimulatorresponse": (
            'ConfigureSimulatorCmd.execute() calls response.setResponseName("simulatormock"), '
            "which wins over getCommandName(); the extractor only reads getCommandName()"
        ),
    },
}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def _report(problems: dict[str, list[str]]) -> str:
    lines = [f"{len(problems)} command(s) differ from CloudStack's API specification:"]
    for name in sorted(problems):
        lines.append(f"  {name}:")
        lines.extend(f"    - {p}" for p in problems[name])
    return "\n".join(lines)


def test_every_declared_command_matches_the_spec(spec: Spec) -> None:
    commands = load_commands()
    assert commands, "no command is declared"
    problems: dict[str, list[str]] = {}
    for cmd in commands.values():
        errata = SPEC_ERRATA.get(cmd.name, {})
        found = [m for m in mismatches(cmd, spec) if m not in errata]
        if found:
            problems[cmd.name] = found
    assert not problems, _report(problems)


def test_every_spec_erratum_is_still_needed(spec: Spec) -> None:
    commands = load_commands()
    for name, errata in SPEC_ERRATA.items():
        cmd = commands.get(name.lower())
        if cmd is None:
            continue  # not implemented (any more): nothing to excuse
        actual = mismatches(cmd, spec)
        stale = [e for e in errata if e not in actual]
        assert not stale, f"{name}: errata no longer needed: {stale}"


def _fake(real_name: str, **changes: Any) -> Command:
    """A copy of a real declaration with some facts changed."""
    real = load_commands()[real_name.lower()]
    fields = {
        "name": real.name,
        "handler": real.handler,
        "params": real.params,
        "kind": real.kind,
        "object_name": real.object_name,
        "response_name": real.response_name,
        "is_list": real.is_list,
        "response_class": real.response_class,
    }
    fields.update(changes)
    return Command(**fields)


def test_the_comparison_notices_each_kind_of_difference(spec: Spec) -> None:
    """The check above can fail: every fact it compares is compared."""
    real = load_commands()["listdomains"]
    assert mismatches(real, spec) == []
    renamed = tuple(Param("levels", p.type) if p.key == "level" else p for p in real.params)
    retyped = tuple(Param(p.name, ParamType.LONG) if p.key == "level" else p for p in real.params)
    required = tuple(
        Param(p.name, p.type, required=True) if p.key == "name" else p for p in real.params
    )
    collection = tuple(
        Param(p.name, ParamType.LIST, collection=ParamType.UUID) if p.key == "details" else p
        for p in real.params
    )
    cases = {
        "missing param level": _fake("listDomains", params=renamed),
        "param levels is not in the spec": _fake("listDomains", params=renamed),
        "param level: type long, spec integer": _fake("listDomains", params=retyped),
        "param name: required=True, spec False": _fake("listDomains", params=required),
        "param details: collection type uuid, spec string": _fake("listDomains", params=collection),
        "isasync=True, spec False": _fake("listDomains", kind=Kind.ASYNC),
        "wrapper listdomainresponse, spec listdomainsresponse": _fake(
            "listDomains", response_name="listdomainresponse"
        ),
        "object name domains, spec domain": _fake("listDomains", object_name="domains"),
        "not a CloudStack command": _fake("listDomains", name="listDomainz"),
    }
    for expected, cmd in cases.items():
        assert expected in mismatches(cmd, spec), (expected, mismatches(cmd, spec))
    create = _fake("deleteDomain", kind=Kind.ASYNC_CREATE)
    assert "asynccreate=True, spec False" in mismatches(create, spec)


def test_list_commands_declare_paging_as_the_spec_does(spec: Spec) -> None:
    for cmd in load_commands().values():
        spec_cmd = spec.commands.get(cmd.name)
        if spec_cmd and spec_cmd.get("listCmd"):
            assert {"keyword", "page", "pagesize"} <= set(cmd.params_by_key), cmd.name
        assert not FRAMEWORK_PARAMS & set(cmd.params_by_key), cmd.name


def _spec_response_fields(spec_data: dict[str, Any], cls: str | None) -> set[str]:
    if not cls:
        return set()
    fields = spec_data.get(cls, {}).get("fields", [])
    return {f["name"] for f in fields}


def test_list_apis_reports_each_command_as_declared(cloud: Cloud, spec: Spec) -> None:
    responses = json.loads(spec.path.read_text())["responses"]
    body = cloud.admin.call("listApis")
    listed = {a["name"]: a for a in body["api"]}
    commands = load_commands()
    assert body["count"] == len(listed) == len(commands)
    problems: dict[str, list[str]] = {}
    for cmd in commands.values():
        api = listed.get(cmd.name)
        if api is None:
            problems[cmd.name] = ["not listed"]
            continue
        found = []
        if api["isasync"] != cmd.is_async:
            found.append(f"isasync {api['isasync']}")
        declared = {p.name: (p.type.value, p.required, p.length) for p in cmd.params}
        shown = {p["name"]: (p["type"], p["required"], p["length"]) for p in api["params"]}
        if shown != declared:
            found.append(f"params {shown} != declared {declared}")
        want = _spec_response_fields(responses, cmd.response_class)
        got = {f["name"] for f in api.get("response", [])}
        if got != want:
            found.append(
                f"response fields of {cmd.response_class}: missing {sorted(want - got)}, "
                f"extra {sorted(got - want)}"
            )
        if found:
            problems[cmd.name] = found
    assert not problems, _report(problems)
