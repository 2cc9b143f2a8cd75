"""Mailing project invitations (``project.smtp.*``): the token goes to the address only.

Plain SMTP, SMTP over TLS on port 465, or STARTTLS (``project.smtp.useStartTLS``);
with ``project.smtp.useAuth`` cumulo logs in as ``project.smtp.username`` with
``project.smtp.password`` (a secure setting, sealed with the cluster key).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from cumulo.errors import InvalidParameter, ResourceUnavailable
from cumulo.services.configuration import ConfigStore
from cumulo.services.secrets import SecretBox, open_text

log = logging.getLogger(__name__)

TLS_PORT = 465
TIMEOUT_SECONDS = 15


def check_configured(config: ConfigStore) -> None:
    if not config.get("project.smtp.host").strip():
        raise InvalidParameter(
            "Invitations by email need a mail relay: set project.smtp.host (and "
            "project.smtp.port, project.email.sender) first"
        )
    if config.get_bool("project.smtp.useAuth") and not config.get("project.smtp.username"):
        raise InvalidParameter(
            "project.smtp.useAuth is true but project.smtp.username is empty; set "
            "project.smtp.username and project.smtp.password first"
        )


def _message(config: ConfigStore, host: str, to: str, project: str, token: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.get("project.email.sender").strip() or f"cumulo@{host}"
    msg["To"] = to
    msg["Subject"] = f"Invitation to join project {project}"
    msg.set_content(
        f"You are invited to join the project {project}.\n\n"
        f"To accept, call updateProjectInvitation with projectid of {project} and "
        f"token={token}\n(accept=false declines).\n"
    )
    return msg


def _deliver(config: ConfigStore, box: SecretBox, host: str, port: int, msg: EmailMessage) -> None:
    tls = ssl.create_default_context()
    smtp: smtplib.SMTP = (
        smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=tls)
        if port == TLS_PORT
        else smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    )
    with smtp:
        if port != TLS_PORT and config.get_bool("project.smtp.useStartTLS"):
            smtp.starttls(context=tls)
        if config.get_bool("project.smtp.useAuth"):
            password = open_text(box, config.get("project.smtp.password"))
            smtp.login(config.get("project.smtp.username"), password)
        smtp.send_message(msg)


def send_invitation(config: ConfigStore, box: SecretBox, to: str, project: str, token: str) -> None:
    """Mail the token; ResourceUnavailable (534) when the relay does not take it."""
    host = config.get("project.smtp.host").strip()
    port = config.get_int("project.smtp.port")
    try:
        _deliver(config, box, host, port, _message(config, host, to, project, token))
    except smtplib.SMTPAuthenticationError as exc:
        user = config.get("project.smtp.username")
        said = exc.smtp_error
        said = said.decode(errors="replace") if isinstance(said, bytes) else said
        log.warning("SMTP authentication as %s at %s:%s failed: %s", user, host, port, exc)
        raise ResourceUnavailable(
            f"The invitation mail to {to} was not sent: {host}:{port} refused the login as "
            f"{user} ({exc.smtp_code} {said}); check "
            "project.smtp.username and project.smtp.password"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("invitation mail to %s through %s:%s failed: %s", to, host, port, exc)
        raise ResourceUnavailable(
            f"The invitation mail to {to} could not be sent through {host}:{port} ({exc}); "
            "check project.smtp.host, project.smtp.port and, for a relay that needs them, "
            "project.smtp.useAuth, project.smtp.useStartTLS and the credentials"
        ) from exc
