"""Galera clustercheck: HTTP 200 only when the local node may take writes.

HAProxy's ``option httpchk`` polls it. A node that accepts MySQL handshakes
while still joining (IST/SST) answers 503 here, so HAProxy does not send it
the writer's traffic too early (ha-lab §5.2).
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pymysql

log = logging.getLogger(__name__)


def wsrep_state(
    socket: str | None, host: str, port: int, user: str, password: str
) -> dict[str, Any]:
    """The wsrep status variables of one node (raises when it is unreachable)."""
    conn = pymysql.connect(
        unix_socket=socket,
        host=host,
        port=port,
        user=user,
        password=password,
        connect_timeout=1,
        read_timeout=2,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_%'")
            return {k: v for k, v in cur.fetchall()}
    finally:
        conn.close()


def verdict(status: dict[str, Any]) -> tuple[bool, str]:
    state = status.get("wsrep_local_state")
    ready = status.get("wsrep_ready")
    comment = status.get("wsrep_local_state_comment", "?")
    ok = state == "4" and ready == "ON"
    return ok, f"wsrep_local_state={state} ({comment}) wsrep_ready={ready}"


def serve(bind: str, port: int, socket: str | None, host: str, user: str, password: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                ok, text = verdict(wsrep_state(socket, host, 3306, user, password))
            except Exception as exc:
                ok, text = False, f"MariaDB unreachable: {exc.__class__.__name__}"
            body = ("Galera node is synced: " if ok else "Galera node not ready: ") + text + "\n"
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body.encode())

        do_OPTIONS = do_GET

        def log_message(self, *_args: object) -> None:  # one line per second is noise
            pass

    server = ThreadingHTTPServer((bind, port), Handler)
    server.daemon_threads = True
    log.info("clustercheck listening on %s:%d", bind, port)
    server.serve_forever()
