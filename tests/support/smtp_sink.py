"""A minimal SMTP server on loopback that keeps what it is sent (for invitation mails).

Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA (dot-terminated,
dot-unstuffed), RSET, NOOP, QUIT.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message


@dataclass
class Sink:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    sink: Sink

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb == "EHLO":
                self._say("250-sink")
                self._say("250 8BITMIME")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                self._data()
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self._say("250 ok")

    def _data(self) -> None:
        body = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            body.append(line[1:] if line.startswith(b"..") else line)
        self.sink.messages.append(message_from_bytes(b"".join(body)))


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    sink = Sink("127.0.0.1", 0)
    handler = type("Handler", (_Handler,), {"sink": sink})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        sink.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield sink
        finally:
            server.shutdown()
