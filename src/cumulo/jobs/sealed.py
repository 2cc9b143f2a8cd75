"""Secrets in job results (a VM's new password) are sealed at rest, opened for the reader.

CloudStack hands a password-enabled VM's password out in the job result of the
command that set it (deploy, reset password/SSH key, restore). The job row
keeps that result for as long as the job is kept, so the runner stores such
fields sealed with the cluster key, and queryAsyncJobResult/listAsyncJobs open
them again: the client sees CloudStack's answer, a copy of the database does not.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

MARK = "cumulo-sealed:v1:"
SECRET_FIELDS = frozenset({"password"})


class Sealer(Protocol):
    def seal(self, plaintext: str) -> bytes: ...

    def open(self, sealed: bytes) -> str: ...


def seal(body: Any, box: Sealer) -> Any:
    """``body`` with every secret field's string value sealed (a copy where changed)."""
    if isinstance(body, dict):
        return {
            k: MARK + base64.b64encode(box.seal(v)).decode()
            if k in SECRET_FIELDS and isinstance(v, str) and v
            else seal(v, box)
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [seal(v, box) for v in body]
    return body


def reveal(body: Any, box: Sealer) -> Any:
    """The inverse of ``seal``; a value that no longer opens (another key) is dropped."""
    if isinstance(body, dict):
        out = {}
        for k, v in body.items():
            if isinstance(v, str) and v.startswith(MARK):
                try:
                    out[k] = box.open(base64.b64decode(v[len(MARK) :]))
                except Exception:  # sealed with a key this cluster no longer has
                    continue
            else:
                out[k] = reveal(v, box)
        return out
    if isinstance(body, list):
        return [reveal(v, box) for v in body]
    return body
