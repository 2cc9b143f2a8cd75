"""Backend server states from HAProxy's stats socket or its CSV stats page."""

from __future__ import annotations

import csv
import io
import socket
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class ServerState:
    proxy: str
    server: str
    status: str  # UP, DOWN, MAINT, "UP 1/2"...
    check: str  # last check description

    @property
    def up(self) -> bool:
        return self.status.startswith("UP")


def parse_csv(text: str) -> list[ServerState]:
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    return [
        ServerState(r["pxname"], r["svname"], r.get("status", ""), r.get("check_desc", "") or "")
        for r in rows
        if r.get("svname") not in ("FRONTEND", "BACKEND", None)
    ]


def from_socket(path: str, timeout: float = 2.0) -> list[ServerState]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(b"show stat\n")
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return parse_csv(b"".join(chunks).decode())


def from_page(url: str, user: str, password: str, timeout: float = 2.0) -> list[ServerState]:
    resp = httpx.get(url.rstrip("/") + "/;csv", auth=(user, password), timeout=timeout)
    resp.raise_for_status()
    return parse_csv(resp.text)
