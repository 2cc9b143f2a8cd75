"""``cumulo api coverage``: implemented commands against the specification, by area."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cumulo.api.declaration import load_commands
from cumulo.api.spec import ENV_VAR, SPEC_RELATIVE, area_of, find_spec, load_spec
from cumulo.cli.main import cli


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["api", "coverage", *args], env=env)
    return result.exit_code, result.output


def test_areas_come_from_the_java_package_or_plugin() -> None:
    def cmd(java: str, module: str = "api") -> dict[str, object]:
        return {"variants": [{"javaClass": java, "module": module}]}

    assert area_of(cmd("org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin")) == "vm"
    assert area_of(cmd("org.apache.cloudstack.api.command.user.vm.DeployVMCmd")) == "vm"
    assert area_of(cmd("com.cloud.api.commands.AddNiciraNvpDeviceCmd", "plugins/x/nicira")) == (
        "nicira"
    )
    assert area_of(cmd("com.cloud.api.auth.DefaultLoginAPIAuthenticatorCmd", "server")) == "auth"


def test_json_counts_add_up_and_match_the_registry() -> None:
    code, out = _run("--json")
    assert code == 0, out
    data = json.loads(out)
    spec = load_spec(data["spec"])
    declared = {c.name.lower() for c in load_commands().values()}
    in_spec = {n.lower() for n in spec.commands}
    assert data["total"] == len(spec.commands)
    assert data["implemented"] == len(declared & in_spec)
    assert sum(a["total"] for a in data["areas"].values()) == data["total"]
    for name, area in data["areas"].items():
        assert area["implemented"] == len(area["implemented_commands"])
        assert area["total"] == area["implemented"] + len(area["missing_commands"])
        for cmd in area["implemented_commands"]:
            assert cmd.lower() in declared
            assert area_of(spec.commands[cmd]) == name
        for cmd in area["missing_commands"]:
            assert cmd.lower() not in declared
    assert "listDomains" in data["areas"]["domain"]["implemented_commands"]


def test_missing_lists_exactly_the_unimplemented_commands_of_an_area() -> None:
    spec = load_spec()
    declared = {c.name.lower() for c in load_commands().values()}
    for area in ("domain", "vm"):
        want = sorted(
            n for n, c in spec.commands.items() if area_of(c) == area and n.lower() not in declared
        )
        code, out = _run("--missing", area)
        assert code == 0, out
        assert out.split() == want


def test_table_has_a_row_per_area_and_a_total() -> None:
    code, out = _run()
    assert code == 0, out
    lines = out.strip().splitlines()
    total = [line for line in lines if line.startswith("TOTAL")]
    assert total and total[0].split()[2] == str(len(load_spec().commands))
    assert any(line.split()[0] == "domain" for line in lines)


def test_unknown_area_and_missing_spec_are_clear_errors(tmp_path: Path) -> None:
    code, out = _run("--missing", "no-such-area")
    assert code != 0 and "no area 'no-such-area'" in out
    code, out = _run("--spec", str(tmp_path / "absent.json"))
    assert code != 0 and "absent.json does not exist" in out
    code, out = _run(env={ENV_VAR: str(tmp_path / "gone.json")})
    assert code != 0 and "gone.json does not exist" in out
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    code, out = _run("--spec", str(bad))
    assert code != 0 and "is not a CloudStack API specification" in out


def test_spec_is_found_in_a_parent_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    copy = tmp_path / SPEC_RELATIVE
    copy.parent.mkdir(parents=True)
    copy.write_bytes(find_spec().read_bytes())
    deep = tmp_path / "checkout" / "sub"
    deep.mkdir(parents=True)
    assert find_spec(cwd=deep) == copy
    assert os.path.getsize(copy) > 100_000


def test_the_spec_is_not_shipped_in_the_package() -> None:
    import cumulo

    package = Path(cumulo.__file__).parent
    assert not list(package.rglob("cloudstack-api-spec*")), "the 1.6 MB spec must not ship"


def test_login_and_logout_count_as_implemented_and_are_declared_once() -> None:
    code, out = _run("--missing", "auth")
    assert code == 0, out
    assert "login" not in out.split() and "logout" not in out.split()
    declared = [c.name for c in load_commands().values()]
    assert declared.count("login") == 1 and declared.count("logout") == 1
    assert all(c.authenticator == (c.name in ("login", "logout")) for c in load_commands().values())
