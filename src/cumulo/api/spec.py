"""CloudStack's API specification (a JSON file beside the repository, never shipped).

The specification is 1.6 MB of facts extracted from CloudStack's annotations:
every command with its parameters, async flags, wrapper and object names. The
conformance test and ``cumulo api coverage`` compare our declarations with it.
It is looked up, not packaged: ``--spec``/``CUMULO_API_SPEC``, else
``shared/reference/`` in the working directory or any directory above it or
above the source tree (a CI checkout sits beside ``shared/``, a worktree
deeper).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cumulo.api.declaration import Command, Kind

SPEC_NAME = "cloudstack-api-spec.json"
SPEC_RELATIVE = Path("shared/reference") / SPEC_NAME
ENV_VAR = "CUMULO_API_SPEC"
# Declared in CloudStack's base command classes and never listed per command.
FRAMEWORK_PARAMS = frozenset({"response", "starteventid", "customjobid"})


class SpecNotFound(Exception):
    pass


def _candidates(starts: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for start in starts:
        for folder in [start, *start.parents]:
            path = folder / SPEC_RELATIVE
            if path not in out:
                out.append(path)
    return out


def find_spec(explicit: str | Path | None = None, *, cwd: Path | None = None) -> Path:
    """The specification file, or ``SpecNotFound`` saying where it was looked for."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise SpecNotFound(f"API specification {path} does not exist")
        return path
    env = os.environ.get(ENV_VAR)
    if env:
        return find_spec(env)
    source_root = Path(__file__).resolve().parents[3]
    tried = _candidates([(cwd or Path.cwd()).resolve(), source_root])
    for path in tried:
        if path.is_file():
            return path
    raise SpecNotFound(
        f"cannot find {SPEC_NAME}; pass --spec PATH or set {ENV_VAR} "
        f"(looked for {SPEC_RELATIVE} in the working directory, the source tree "
        "and every directory above them)"
    )


@dataclass(frozen=True)
class Spec:
    path: Path
    commands: dict[str, dict[str, Any]]  # by exact CloudStack name

    def get(self, name: str) -> dict[str, Any] | None:
        found = self.commands.get(name)
        if found is None:
            found = self._lower.get(name.lower())
        return found

    @property
    def _lower(self) -> dict[str, dict[str, Any]]:
        return {k.lower(): v for k, v in self.commands.items()}


def load_spec(path: str | Path | None = None) -> Spec:
    where = find_spec(path)
    try:
        data = json.loads(where.read_text())
        commands = {c["name"]: c for c in data["commands"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpecNotFound(f"{where} is not a CloudStack API specification: {exc}") from exc
    return Spec(where, commands)


def area_of(spec_command: dict[str, Any]) -> str:
    """The area a command belongs to, from its Java package or plugin module.

    ``org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin`` → ``vm``;
    plugin commands outside that layout take the plugin's name
    (``plugins/network-elements/tungsten`` → ``tungsten``).
    """
    variants = spec_command.get("variants") or [{}]
    for variant in variants:
        parts = str(variant.get("javaClass", "")).split(".")
        if "command" in parts:
            rest = parts[parts.index("command") + 1 : -1]
            # admin./user. is the audience, not the area.
            if len(rest) >= 2 and rest[0] in ("admin", "user"):
                return rest[1]
    first = variants[0]
    module = str(first.get("module", ""))
    if "/" in module:
        return module.rsplit("/", 1)[1]
    parts = str(first.get("javaClass", "other")).split(".")
    return parts[-2] if len(parts) >= 2 else "other"


def _param_problems(cmd: Command, spec_cmd: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    spec_params = {
        p["name"].lower(): p for p in spec_cmd["params"] if p["name"] not in FRAMEWORK_PARAMS
    }
    ours = cmd.params_by_key
    hidden = {k for k, p in spec_params.items() if p.get("expose") is False}
    for key in sorted(set(spec_params) - set(ours) - hidden):
        problems.append(f"missing param {spec_params[key]['name']}")
    for key in sorted(set(ours) - set(spec_params)):
        problems.append(f"param {ours[key].name} is not in the spec")
    for key in sorted(set(ours) & set(spec_params)):
        mine, theirs = ours[key], spec_params[key]
        if mine.name != theirs["name"]:
            problems.append(f"param {mine.name}: spelled {theirs['name']} in the spec")
        if mine.type.value != theirs["type"]:
            problems.append(f"param {mine.name}: type {mine.type.value}, spec {theirs['type']}")
        if mine.required != bool(theirs.get("required")):
            problems.append(
                f"param {mine.name}: required={mine.required}, spec {bool(theirs.get('required'))}"
            )
        if mine.length != theirs.get("length", 255):
            problems.append(f"param {mine.name}: length {mine.length}, spec {theirs['length']}")
        if theirs["type"] == "list":
            theirs_coll = theirs.get("collectiontype")
            mine_coll = mine.collection.value if mine.collection else None
            if mine_coll != theirs_coll:
                problems.append(
                    f"param {mine.name}: collection type {mine_coll}, spec {theirs_coll}"
                )
    return problems


def mismatches(cmd: Command, spec: Spec) -> list[str]:
    """Every way a declaration differs from CloudStack's; empty when it conforms."""
    spec_cmd = spec.commands.get(cmd.name)
    if spec_cmd is None:
        other = spec.get(cmd.name)
        if other is not None:
            return [f"spelled {other['name']} in the spec"]
        return ["not a CloudStack command"]
    problems = _param_problems(cmd, spec_cmd)
    if cmd.is_async != bool(spec_cmd.get("isasync")):
        problems.append(f"isasync={cmd.is_async}, spec {bool(spec_cmd.get('isasync'))}")
    create = cmd.kind == Kind.ASYNC_CREATE
    if create != bool(spec_cmd.get("asynccreate")):
        problems.append(f"asynccreate={create}, spec {bool(spec_cmd.get('asynccreate'))}")
    if cmd.wrapper != spec_cmd["commandName"]:
        problems.append(f"wrapper {cmd.wrapper}, spec {spec_cmd['commandName']}")
    if cmd.is_list != bool(spec_cmd.get("listCmd")):
        problems.append(f"is_list={cmd.is_list}, spec {bool(spec_cmd.get('listCmd'))}")
    response = spec_cmd.get("response") or {}
    object_name = response.get("objectName")
    # An unwrapped single response (SuccessResponse, AsyncJobResponse ...) has
    # no object level, so declaring no object name there is right too.
    optional = response.get("unwrapped") and not spec_cmd.get("listCmd")
    if (
        object_name
        and cmd.object_name != object_name
        and not (optional and cmd.object_name is None)
    ):
        problems.append(f"object name {cmd.object_name}, spec {object_name}")
    spec_class = spec_cmd.get("responseObject")
    if cmd.response_class != spec_class:
        problems.append(f"response class {cmd.response_class}, spec {spec_class}")
    return problems
