"""A small signed CloudStack client for tests (real clients are tested separately)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from cumulo.http.signing import sign


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class ApiClient:
    """Sends signed requests to any ASGI app or URL and decodes JSON envelopes."""

    def __init__(self, http: httpx.Client, apikey: str, secretkey: str) -> None:
        self.http = http
        self.apikey = apikey
        self.secretkey = secretkey

    def signed_params(
        self, command: str, params: dict[str, Any], *, v3: bool = True
    ) -> dict[str, str]:
        p = {k: _wire(v) for k, v in params.items() if v is not None}
        p.update({"command": command, "response": "json", "apiKey": self.apikey})
        if v3:
            p["signatureVersion"] = "3"
            p["expires"] = (datetime.now(UTC) + timedelta(minutes=10)).strftime(
                "%Y-%m-%dT%H:%M:%S+0000"
            )
        p["signature"] = sign(p, self.secretkey)
        return p

    def raw(self, command: str, method: str = "GET", **params: Any) -> httpx.Response:
        p = self.signed_params(command, params)
        if method == "POST":
            return self.http.post("/client/api", data=p)
        query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in p.items())
        return self.http.get(f"/client/api?{query}")

    def call(self, command: str, method: str = "GET", **params: Any) -> dict[str, Any]:
        resp = self.raw(command, method, **params)
        body = resp.json()
        ((_wrapper, inner),) = body.items()
        if resp.status_code != 200:
            raise ApiError(resp.status_code, inner)
        return inner  # type: ignore[no-any-return]

    def wait_job(self, jobid: str, timeout: float = 30.0) -> dict[str, Any]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.call("queryAsyncJobResult", jobid=jobid)
            if job["jobstatus"] != 0:
                return job
            time.sleep(0.05)
        raise TimeoutError(f"job {jobid} still running after {timeout}s")

    def run(self, command: str, **params: Any) -> dict[str, Any]:
        """Call an async command and return its jobresult (raise on failure)."""
        accepted = self.call(command, **params)
        job = self.wait_job(accepted["jobid"])
        if job["jobstatus"] != 1:
            raise ApiError(job["jobresultcode"], job["jobresult"])
        return job["jobresult"]  # type: ignore[no-any-return]


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
