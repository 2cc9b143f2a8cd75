"""The image store's upload endpoint (the SSVM's ``/upload/<id>`` in CloudStack), served here.

A client POSTs the file as multipart/form-data with the ``X-signature``,
``X-metadata`` and ``X-expires`` headers getUploadParamsFor* gave it. The
body streams through the multipart parser straight into the store's file (never
held in memory), counted against the ticket's size limit, hashed and checked
for its format on the way; then the copy is recorded (services/post_uploads).
Answers are plain text, as the SSVM's: 200 when stored, 400 bad request or
file, 403 bad or expired signature, 409 not waiting for an upload, 413 too large.
What the headers show to be wrong is refused before the ticket is used (the
resource stays NotUploaded); a failure once the body streams ends UploadError.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO, Any

from anyio import to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from cumulo.runtime import Runtime
from cumulo.services import post_uploads, upload_tickets
from cumulo.services.image_files import BadImage, ImageStream
from cumulo.services.upload_tickets import Ticket, UploadRefused

# Multipart framing around the file (boundaries, part headers) on top of its size.
FRAMING_BYTES = 64 * 1024
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "X-signature, X-metadata, X-expires, Content-Type",
}


class _FileSink:
    """Multipart callbacks: the first part with a file name goes to ``out``."""

    def __init__(self, out: IO[bytes], image: ImageStream, limit: int) -> None:
        self.out, self.image, self.limit = out, image, limit
        self.field, self.value = b"", b""
        self.is_file = self.seen_file = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: setattr(self, "field", self.field + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "value", self.value + d[s:e]),
            "on_header_end": self._header,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self.is_file = False

    def _header(self) -> None:
        if self.field.lower() == b"content-disposition" and not self.seen_file:
            _kind, opts = parse_options_header(self.value)
            self.is_file = b"filename" in opts
        self.field, self.value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file:
            return
        chunk = data[start:end]
        if self.image.size + len(chunk) > self.limit:
            raise UploadRefused(
                413, f"Maximum file upload size exceeded: the limit is {self.limit} bytes"
            )
        self.image.feed(chunk)
        self.out.write(chunk)

    def _end(self) -> None:
        if self.is_file:
            self.seen_file, self.is_file = True, False


def _boundary(request: Request, ticket: Ticket) -> bytes:
    """The request's multipart boundary; refused before the ticket is used when unfit."""
    ctype, opts = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in opts:
        raise UploadRefused(400, "Send the file as multipart/form-data")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > ticket.max_bytes + FRAMING_BYTES:
        raise UploadRefused(
            413,
            f"Maximum file upload size exceeded. Content Length received: {length} is "
            f"greater than the maximum allowed: {ticket.max_bytes}",
        )
    return bytes(opts[b"boundary"])


async def _receive(
    request: Request, ticket: Ticket, boundary: bytes, part: Path
) -> tuple[int, int]:
    """Stream the file part into ``part``; (bytes stored, virtual size)."""
    image = ImageStream(ticket.format, ticket.checksum)
    part.parent.mkdir(parents=True, exist_ok=True)
    with part.open("wb") as out:
        sink = _FileSink(out, image, ticket.max_bytes)
        parser = MultipartParser(boundary, sink.callbacks())
        async for chunk in request.stream():
            if chunk:
                # The parser writes the file: off the event loop, like any disk I/O.
                await to_thread.run_sync(parser.write, chunk)
        parser.finalize()
    if not sink.seen_file:
        raise UploadRefused(400, "The request has no file part (a part with a filename)")
    try:
        return image.size, image.finish()
    except BadImage as exc:
        raise UploadRefused(400, str(exc)) from None


def upload_endpoint(rt: Runtime) -> Any:
    async def upload(request: Request) -> Response:
        if request.method == "OPTIONS":  # a browser's CORS preflight
            return Response(status_code=204, headers=CORS)
        h = request.headers
        try:
            ticket = upload_tickets.verify(
                rt.secrets,
                request.url.path,
                h.get("x-signature"),
                h.get("x-metadata"),
                h.get("x-expires"),
            )
            boundary = _boundary(request, ticket)
            await to_thread.run_sync(rt.db.run, lambda s: post_uploads.start(s, ticket))
        except UploadRefused as exc:
            return PlainTextResponse(exc.text, exc.status, headers=CORS)
        final = post_uploads.store_root(rt, ticket.store_uuid) / ticket.install_path
        part = final.with_name(final.name + ".part")
        try:
            stored, virtual = await _receive(request, ticket, boundary, part)
            await to_thread.run_sync(
                rt.db.run, lambda s: post_uploads.finish(s, rt.config, ticket, stored, virtual)
            )
            part.rename(final)
        except (UploadRefused, ClientDisconnect, Exception) as exc:
            with contextlib.suppress(OSError):
                part.unlink()
            status, text = _failure(exc)
            await to_thread.run_sync(rt.db.run, lambda s: post_uploads.fail(s, ticket, text))
            return PlainTextResponse(text, status, headers=CORS)
        return PlainTextResponse(f"{ticket.kind} {ticket.resource_uuid} uploaded", headers=CORS)

    return upload


def _failure(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, UploadRefused):
        return exc.status, exc.text
    if isinstance(exc, ClientDisconnect):
        return 400, "The client closed the connection before the upload completed"
    if isinstance(exc, MultipartParseError):
        return 400, f"Malformed multipart body: {exc}"
    return 500, f"Upload failed: {exc.__class__.__name__}"
