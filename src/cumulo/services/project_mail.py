"""Mailing project invitations (``project.smtp.*``): the token goes to the address only.

cumulo speaks plain SMTP, or SMTP over TLS on port 465, to a relay that needs
no authentication (a local MTA); credentials are not kept in settings, which
listConfigurations would show.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from cumulo.errors import InvalidParameter, ResourceUnavailable
from cumulo.services.configuration import ConfigStore

TLS_PORT = 465
TIMEOUT_SECONDS = 15


def check_configured(config: ConfigStore) -> None:
    if not config.get("project.smtp.host").strip():
        raise InvalidParameter(
            "Invitations by email need a mail relay: set project.smtp.host (and "
            "project.smtp.port, project.email.sender) first"
        )


def send_invitation(config: ConfigStore, to: str, project: str, token: str) -> None:
    """Mail the token; ResourceUnavailable (534) when the relay does not take it."""
    host = config.get("project.smtp.host").strip()
    port = config.get_int("project.smtp.port")
    sender = config.get("project.email.sender").strip() or f"cumulo@{host}"
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, to
    msg["Subject"] = f"Invitation to join project {project}"
    msg.set_content(
        f"You are invited to join the project {project}.\n\n"
        f"To accept, call updateProjectInvitation with projectid of {project} and "
        f"token={token}\n(accept=false declines).\n"
    )
    smtp_class = smtplib.SMTP_SSL if port == TLS_PORT else smtplib.SMTP
    try:
        with smtp_class(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise ResourceUnavailable(
            f"The invitation mail to {to} could not be sent through {host}:{port} ({exc}); "
            "check project.smtp.host and project.smtp.port"
        ) from exc
