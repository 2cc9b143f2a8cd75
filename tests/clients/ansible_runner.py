"""Running playbooks of the ngine_io.cloudstack collection (bundled in `ansible`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.clients.conftest import LiveServer

PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def run_tasks(live: LiveServer, tmp: Path, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run tasks on localhost; return {task name: registered result}. Fails on any error."""
    for task in tasks:
        task.setdefault("register", _var(task["name"]))
    play = [
        {
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
            "tasks": [
                *tasks,
                {
                    "name": "dump",
                    "ansible.builtin.copy": {
                        "dest": str(tmp / "results.json"),
                        "content": "{{ " + _dump(tasks) + " | to_json }}",
                    },
                },
            ],
        }
    ]
    path = tmp / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False, allow_unicode=True))
    env = live.client_env()
    env.update(
        {
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
        }
    )
    proc = subprocess.run(
        [PLAYBOOK, "-i", "localhost,", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise AssertionError(f"ansible-playbook failed:\n{proc.stdout[-6000:]}\n{proc.stderr}")
    return json.loads((tmp / "results.json").read_text())  # type: ignore[no-any-return]


def _var(name: str) -> str:
    return "r_" + "".join(c if c.isalnum() else "_" for c in name.lower())


def _dump(tasks: list[dict[str, Any]]) -> str:
    pairs = ", ".join(f"'{t['name']}': {t['register']}" for t in tasks)
    return "{" + pairs + "}"


def run_twice(live: LiveServer, tmp: Path, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run a play, then again: the second run must change nothing and warn about nothing.

    That is how operators use these modules; a module that keeps "changing"
    something reads a field the server does not send as it expects.
    """
    first = run_tasks(live, tmp, tasks)
    again = run_tasks(live, tmp, tasks)
    changed = {name: r.get("diff") for name, r in again.items() if r.get("changed")}
    warned = {name: r["warnings"] for name, r in again.items() if r.get("warnings")}
    assert not changed, f"second run changed: {changed}"
    assert not warned, f"second run warned: {warned}"
    return first
