"""Ansible's cloudstack modules (ngine_io.cloudstack) against a real server."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.clients.ansible_runner import run_tasks
from tests.clients.conftest import LiveServer


# The module resolves a parent path "ROOT" as "ROOT/ROOT" (as against CloudStack
# itself), so top-level domains are given without the optional ROOT/ prefix.
def test_domains_are_created_idempotently(live: LiveServer, tmp_path: Path) -> None:
    top = f"ans-{uuid.uuid4().hex[:6]}"
    tasks = [
        {"name": "top", "ngine_io.cloudstack.cs_domain": {"path": top}},
        {
            "name": "child",
            "ngine_io.cloudstack.cs_domain": {
                "path": f"{top}/team",
                "network_domain": "team.example",
            },
        },
        {
            "name": "again",
            "ngine_io.cloudstack.cs_domain": {
                "path": f"{top}/team",
                "network_domain": "team.example",
            },
        },
    ]
    out = run_tasks(live, tmp_path, tasks)
    assert out["top"]["changed"] and out["child"]["changed"]
    assert out["child"]["path"] == f"ROOT/{top}/team"
    assert out["child"]["network_domain"] == "team.example"
    assert not out["again"]["changed"]
    cleanup = [
        {
            "name": "gone",
            "ngine_io.cloudstack.cs_domain": {"path": top, "state": "absent", "clean_up": True},
        }
    ]
    assert run_tasks(live, tmp_path, cleanup)["gone"]["changed"]
