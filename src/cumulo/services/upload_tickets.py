"""Signed upload tickets: what getUploadParamsFor* hands out and the upload endpoint checks.

As in CloudStack, the client gets ``postURL``, ``metadata``, ``expires`` and
``signature`` and sends the last three back as the ``X-metadata``,
``X-expires`` and ``X-signature`` headers of its POST. The signature is
HMAC-SHA1 (base64) over ``metadata + postURL + expires`` with a key derived
from the cluster key (CloudStack keys it with the SSVM's pre-shared key), so
any node can check it. The metadata is the ticket itself, sealed with the
cluster key: the endpoint needs no state to know what the upload is for and the
client can neither read nor change the limits in it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag

from cumulo.services.secrets import SecretBox

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"
KEY_LABEL = "upload-signature"


@dataclass(frozen=True)
class Ticket:
    """One upload: which copy it fills and the rules the file must meet."""

    kind: str  # "volume" | "template"
    resource_uuid: str
    ref_id: int
    store_uuid: str
    install_path: str
    format: str
    checksum: str | None
    max_bytes: int
    post_url: str


class UploadRefused(Exception):
    """The POST is refused: ``status`` is the HTTP answer, the message says why."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _signature(box: SecretBox, metadata: str, url: str, expires: str) -> str:
    mac = hmac.new(box.subkey(KEY_LABEL), (metadata + url + expires).encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def issue(
    box: SecretBox, ticket: Ticket, minutes: int, now: datetime | None = None
) -> dict[str, str]:
    """The GetUploadParamsResponse fields of ``ticket``, valid for ``minutes``."""
    now = now or datetime.now(UTC)
    expires = (now + timedelta(minutes=minutes)).strftime(DATE_FORMAT)
    metadata = base64.b64encode(box.seal(json.dumps(asdict(ticket)))).decode()
    return {
        "id": ticket.resource_uuid,
        "postURL": ticket.post_url,
        "metadata": metadata,
        "expires": expires,
        "signature": _signature(box, metadata, ticket.post_url, expires),
    }


def verify(
    box: SecretBox,
    path: str,
    signature: str | None,
    metadata: str | None,
    expires: str | None,
    now: datetime | None = None,
) -> Ticket:
    """The ticket of a POST to ``path``; UploadRefused when anything does not check out."""
    if not (signature and metadata and expires):
        raise UploadRefused(
            400,
            "Missing X-signature, X-metadata or X-expires header: send the values "
            "getUploadParamsFor* returned with the POST",
        )
    try:
        ticket = Ticket(**json.loads(box.open(base64.b64decode(metadata, validate=True))))
    except (InvalidTag, ValueError, TypeError, binascii.Error):
        raise UploadRefused(
            403, "Invalid upload metadata: it was not issued by this cloud"
        ) from None
    good = _signature(box, metadata, ticket.post_url, expires)
    if not hmac.compare_digest(good, signature) or not ticket.post_url.endswith(path):
        raise UploadRefused(403, "Signature mismatch: the upload request is not authorized")
    try:
        until = datetime.strptime(expires, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise UploadRefused(400, f"Invalid X-expires {expires!r}") from None
    if (now or datetime.now(UTC)) > until:
        raise UploadRefused(403, f"Upload URL expired at {expires}; request new upload parameters")
    return ticket
