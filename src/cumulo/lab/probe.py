"""Run inside the lab's client namespace: signed API calls through the web VIP.

``python -m cumulo.lab.probe STATE_DIR once|read|write`` — ``once`` calls
listApis and prints the result. ``read``/``write`` print ``ready``, wait for a
start time (epoch seconds) on stdin, then call listApis / createDomain until
one succeeds and print how long after the start time that was.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from cumulo.http.signing import sign
from cumulo.lab.topology import LabConfig


def signed_query(creds: dict[str, str], command: str, **params: str) -> str:
    """The query string of a signed API call (signature version 3, expires in 5 min)."""
    p = {
        **params,
        "command": command,
        "response": "json",
        "apiKey": creds["apikey"],
        "signatureVersion": "3",
        "expires": (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    p["signature"] = sign(p, creds["secretkey"])
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in p.items())


def call(
    url: str, creds: dict[str, str], command: str, timeout: float, **params: str
) -> dict[str, Any]:
    query = signed_query(creds, command, **params)
    resp = httpx.get(f"{url}/client/api?{query}", timeout=timeout)
    try:
        body: dict[str, Any] = resp.json()
    except ValueError:  # HAProxy's own error pages are HTML
        raise RuntimeError(f"HTTP {resp.status_code}: {resp.text[:80]!r}") from None
    if resp.status_code != 200:
        raise RuntimeError(f"HTTP {resp.status_code}: {body}")
    return body


def main(argv: list[str]) -> int:
    state, mode = Path(argv[0]), argv[1]
    cfg = LabConfig.load(state)
    creds = json.loads((state / "admin.json").read_text())
    url = f"http://{cfg.web_vip}:8080"
    if mode == "once":
        body = call(url, creds, "listApis", 5)
        print(json.dumps({"count": body["listapisresponse"]["count"]}))
        return 0
    print("ready", flush=True)
    t0 = float(sys.stdin.readline())
    failures, last_error = 0, ""
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if mode == "write":
                call(url, creds, "createDomain", 3, name=f"probe-{uuid.uuid4().hex[:8]}")
            else:
                call(url, creds, "listApis", 1)
            print(
                json.dumps(
                    {
                        "elapsed": round(time.time() - t0, 2),
                        "failures": failures,
                        "last_error": last_error,
                    }
                ),
                flush=True,
            )
            return 0
        except Exception as exc:
            failures += 1
            last_error = f"{exc.__class__.__name__}: {str(exc)[:160]}"
            time.sleep(0.05)
    print(json.dumps({"elapsed": None, "failures": failures, "last_error": last_error}))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
