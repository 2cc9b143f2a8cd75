"""A minimal signed CloudStack API client on the standard library.

The deployer may run against a remote management server, so it speaks plain
HTTP with API-key signatures (v3, with ``expires``) rather than calling
services in-process.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from cumulo.http.signing import sign


class ApiFailure(Exception):
    """A command the server refused or a job that failed."""

    def __init__(self, command: str, code: int, text: str) -> None:
        super().__init__(f"{command} failed ({code}): {text}")
        self.command = command
        self.code = code
        self.text = text


class CloudStackClient:
    def __init__(
        self,
        url: str,
        apikey: str,
        secretkey: str,
        *,
        timeout: float = 60.0,
        job_timeout: float = 300.0,
    ) -> None:
        self.url = url
        self.apikey = apikey
        self.secretkey = secretkey
        self.timeout = timeout
        self.job_timeout = job_timeout

    def _signed(self, command: str, params: dict[str, Any]) -> dict[str, str]:
        p = {k: _wire(v) for k, v in params.items() if v is not None}
        expires = datetime.now(UTC) + timedelta(minutes=10)
        p.update(
            {
                "command": command,
                "response": "json",
                "apiKey": self.apikey,
                "signatureVersion": "3",
                "expires": expires.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
        )
        p["signature"] = sign(p, self.secretkey)
        return p

    def request(self, command: str, **params: Any) -> dict[str, Any]:
        """POST one command and return the inner object of the envelope."""
        data = urlencode(self._signed(command, params)).encode()
        req = urllib.request.Request(self.url, data=data, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = resp.read()
        except urllib.error.HTTPError as err:
            body = err.read()
            inner = _inner(command, body)
            raise ApiFailure(
                command, int(inner.get("errorcode", err.code)), str(inner.get("errortext", body))
            ) from None
        except (urllib.error.URLError, OSError) as err:
            raise ApiFailure(command, 0, f"cannot reach {self.url}: {err}") from None
        return _inner(command, body)

    def call(self, command: str, **params: Any) -> dict[str, Any]:
        """Run a command; for an async one, wait for its job and return the jobresult."""
        inner = self.request(command, **params)
        if "jobid" not in inner:
            return inner
        return self.wait(command, str(inner["jobid"]))

    def wait(self, command: str, jobid: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.job_timeout
        delay = 0.05
        while time.monotonic() < deadline:
            job = self.request("queryAsyncJobResult", jobid=jobid)
            status = job.get("jobstatus", 0)
            if status == 1:
                return dict(job.get("jobresult") or {})
            if status == 2:
                result = job.get("jobresult") or {}
                raise ApiFailure(
                    command,
                    int(result.get("errorcode", job.get("jobresultcode", 530))),
                    str(result.get("errortext", result)),
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        raise ApiFailure(command, 0, f"job {jobid} did not finish in {self.job_timeout:.0f}s")

    def items(self, command: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list command (all pages)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            inner = self.request(command, page=page, pagesize=500, **params)
            batch = inner.get(key, [])
            out.extend(batch)
            if len(batch) < 500 or len(out) >= int(inner.get("count", 0)):
                return out
            page += 1


def _inner(command: str, body: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except ValueError:
        raise ApiFailure(command, 0, f"not a CloudStack answer: {body[:200]!r}") from None
    if not isinstance(envelope, dict) or len(envelope) != 1:
        raise ApiFailure(command, 0, f"unexpected answer: {body[:200]!r}")
    ((_, inner),) = envelope.items()
    return inner if isinstance(inner, dict) else {}


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
