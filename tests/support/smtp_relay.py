"""A real SMTP server (aiosmtpd) on loopback that demands AUTH, optionally after STARTTLS.

Keeps the mails it accepted and every login attempt, for tests of the
``project.smtp.useAuth`` / ``useStartTLS`` settings.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


@dataclass
class Relay:
    host: str
    port: int
    # The CA file a client must trust for STARTTLS (None: plain SMTP).
    cert_file: Path | None
    messages: list[Message] = field(default_factory=list)
    # (mechanism, login, accepted) per AUTH attempt
    logins: list[tuple[str, str, bool]] = field(default_factory=list)


class _Handler:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.relay.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cumulo test relay")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "relay.crt", directory / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def smtp_relay(
    username: str, password: str, *, starttls_dir: Path | None = None
) -> Iterator[Relay]:
    """Accept mail only after AUTH (PLAIN/LOGIN) as ``username``/``password``; with
    ``starttls_dir`` (where the certificate goes) only after STARTTLS as well."""
    tls_context = None
    cert_file = None
    if starttls_dir is not None:
        cert_file, key_file = _self_signed(starttls_dir)
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(cert_file, key_file)
    relay = Relay(HOST, _free_port(), cert_file)

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            username.encode(),
            password.encode(),
        )
        login = data.login.decode(errors="replace") if isinstance(data, LoginPassword) else ""
        relay.logins.append((mechanism, login, ok))
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        _Handler(relay),
        hostname=HOST,
        port=relay.port,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=tls_context is not None,
        require_starttls=tls_context is not None,
        tls_context=tls_context,
    )
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()
