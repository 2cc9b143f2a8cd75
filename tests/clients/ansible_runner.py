"""Running playbooks of the ngine_io.cloudstack collection (bundled in `ansible`)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.clients.conftest import LiveServer

PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
# In an `until:` condition this stands for the task's own registered result.
RESULT = "RESULT"


@dataclass(frozen=True)
class Phase:
    """One play; `twice` runs it again right after and requires that to change nothing."""

    tasks: list[dict[str, Any]]
    twice: bool = True


def run_tasks(live: LiveServer, tmp: Path, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run tasks on localhost once; return {task name: registered result}. Fails on any error."""
    return run_phases(live, tmp, [Phase(tasks, twice=False)])


def run_twice(live: LiveServer, tmp: Path, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run a play, then again: the second run must change nothing and warn about nothing."""
    return run_phases(live, tmp, [Phase(tasks)])


def run_phases(live: LiveServer, tmp: Path, phases: list[Phase]) -> dict[str, Any]:
    """Run all phases as plays of one `ansible-playbook` process; return the first runs' results.

    One process for everything: each process costs seconds of Ansible start-up.
    A phase run twice must change nothing and warn about nothing the second
    time, which is how operators use these modules; a module that keeps
    "changing" something reads a field the server does not send as it expects.
    """
    plays, first, again = [], {}, {}
    for phase in phases:
        plays.append(_play(live, phase.tasks, "r_", first))
        if phase.twice:
            plays.append(_play(live, phase.tasks, "r2_", again))
    dump = {
        "name": "results",
        "ansible.builtin.copy": {
            "dest": str(tmp / "results.json"),
            "content": "{{ {'first': "
            + _dict(first)
            + ", 'again': "
            + _dict(again)
            + "} | to_json }}",
        },
    }
    plays[-1]["tasks"].append(dump)
    path = tmp / "play.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False, allow_unicode=True))
    log = tmp / "ansible.log"  # written as it runs: the test's tmp dir shows how far it got
    with log.open("w") as out:
        proc = subprocess.run(
            [PLAYBOOK, "-i", "localhost,", str(path)],
            env=_env(live),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=1500,
        )
    if proc.returncode != 0:
        raise AssertionError(f"ansible-playbook failed:\n{log.read_text()[-8000:]}")
    results = json.loads((tmp / "results.json").read_text())
    changed = {n: r.get("diff") for n, r in results["again"].items() if r.get("changed")}
    warned = {n: r["warnings"] for n, r in results["again"].items() if r.get("warnings")}
    assert not changed, f"second run changed: {changed}"
    assert not warned, f"second run warned: {warned}"
    return results["first"]  # type: ignore[no-any-return]


def _play(
    live: LiveServer, tasks: list[dict[str, Any]], prefix: str, registered: dict[str, str]
) -> dict[str, Any]:
    out = []
    for task in tasks:
        task = copy.deepcopy(task)
        task["register"] = var = prefix + "".join(
            c if c.isalnum() else "_" for c in task["name"].lower()
        )
        if "until" in task:
            task["until"] = task["until"].replace(RESULT, var)
        assert task["name"] not in registered, f"task names must be unique: {task['name']}"
        registered[task["name"]] = var
        out.append(task)
    return {
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "module_defaults": {
            "group/ngine_io.cloudstack.cloudstack": {
                "api_url": live.url,
                "api_key": live.apikey,
                "api_secret": live.secretkey,
                "api_timeout": 60,
            }
        },
        "tasks": out,
    }


def _dict(registered: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(n)}: {v}" for n, v in registered.items()) + "}"


def _env(live: LiveServer) -> dict[str, str]:
    env = live.client_env()
    env.update(
        {
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            # Modules run in-pipe instead of copied to and run from a temp dir per task.
            "ANSIBLE_PIPELINING": "True",
        }
    )
    return env
