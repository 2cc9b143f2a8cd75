"""Applying a fault-injection rule to one simulated agent command."""

from __future__ import annotations

import json
import time

from cumulo.drivers.base import Answer, Mock


class SimulatedFault(Exception):
    """``result:fault``: the simulated agent threw while handling the command."""


def parse_value(value: str) -> dict[str, str]:
    """``result:fail|wait:500`` → ``{"result": "fail", "wait": "500"}``.

    Upstream documents ``;`` but splits on ``|``; accept both.
    """
    rules: dict[str, str] = {}
    for part in value.replace(";", "|").split("|"):
        key, sep, val = part.partition(":")
        if sep and key.strip():
            rules[key.strip().lower()] = val.strip()
    return rules


def before(mock: Mock | None) -> Answer | None:
    """Run the rule's effect; a non-None Answer replaces the simulated one."""
    if mock is None:
        return None
    if mock.wait_ms > 0:
        time.sleep(mock.wait_ms / 1000)
    if mock.json_response:
        return _json_answer(mock.json_response)
    if mock.result == "fail":
        return Answer(False, "Simulated failure")
    if mock.result == "fault":
        raise SimulatedFault(f"Simulated fault in {mock.command}")
    return None


def _json_answer(text: str) -> Answer:
    """``{"com.cloud.agent.api.XAnswer": {"result": false, "details": "..."}}``."""
    try:
        data = json.loads(text)
        (body,) = data.values()
        return Answer(bool(body.get("result", True)), str(body.get("details", "")), body)
    except (ValueError, AttributeError):
        return Answer(False, "Simulated answer is not valid JSON")
