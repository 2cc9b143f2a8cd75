"""An image file as it streams in: its size, checksum and whether it is the format claimed.

The secondary storage VM checks an uploaded file before it accepts it; the
checks here need only the first 40 KiB and the last 512 bytes, so a file of
any size goes through in constant memory.
"""

from __future__ import annotations

import hashlib
import re
import struct
from typing import Any

HEAD_BYTES = 40 * 1024  # reaches the ISO 9660 volume descriptor at 32 KiB
TAIL_BYTES = 512  # a VHD's footer
# CloudStack's checksum forms: "{SHA-256}hex" or bare hex (the algorithm by its length).
_ALGOS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


class BadImage(ValueError):
    """The file is not what the upload said it is."""


def parse_checksum(text: str | None) -> tuple[str, str] | None:
    """(hashlib name, lower-case hex) of a checksum parameter; None when none given."""
    if not text or not text.strip():
        return None
    value = text.strip()
    found = re.fullmatch(r"\{([A-Za-z0-9-]+)\}([0-9a-fA-F]+)", value)
    if found:
        algo = _ALGOS.get(found.group(1).upper())
        digest = found.group(2)
    else:
        digest = value
        algo = _BY_LENGTH.get(len(value)) if re.fullmatch(r"[0-9a-fA-F]+", value) else None
    if algo is None:
        raise ValueError(
            f"Invalid checksum {text!r}: give hex MD5/SHA-1/SHA-256/SHA-512, optionally "
            "prefixed with the algorithm as in {SHA-256}..."
        )
    return algo, digest.lower()


class ImageStream:
    """Feed it the file's bytes in order; ``finish`` checks them."""

    def __init__(self, fmt: str, checksum: str | None) -> None:
        self.format = fmt.upper()
        self.size = 0
        self.head = bytearray()
        self.tail = b""
        wanted = parse_checksum(checksum)
        self.wanted = wanted[1] if wanted else None
        self.hash: Any = hashlib.new(wanted[0]) if wanted else hashlib.md5()

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        self.hash.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.tail = (self.tail + data)[-TAIL_BYTES:]

    def finish(self) -> int:
        """Check format and checksum; the virtual size (bytes) the disk will have."""
        if self.size == 0:
            raise BadImage("The uploaded file is empty")
        if self.wanted is not None and self.hash.hexdigest() != self.wanted:
            raise BadImage(
                f"Checksum mismatch: the file's is {self.hash.hexdigest()}, "
                f"the upload was registered with {self.wanted}"
            )
        return self._virtual_size()

    def _virtual_size(self) -> int:
        head, fmt = bytes(self.head), self.format
        if fmt == "QCOW2":
            if head[:4] != b"QFI\xfb" or len(head) < 32:
                raise BadImage("The file is not a QCOW2 image (no QFI\\xfb header)")
            return int(struct.unpack(">Q", head[24:32])[0])
        if fmt == "ISO" and head[32769:32774] != b"CD001":
            raise BadImage("The file is not an ISO 9660 image (no CD001 descriptor at 32 KiB)")
        if fmt == "VHD":
            if self.tail[:8] != b"conectix":
                raise BadImage("The file is not a VHD image (no conectix footer)")
            return int(struct.unpack(">Q", self.tail[48:56])[0])
        if fmt == "VHDX" and head[:8] != b"vhdxfile":
            raise BadImage("The file is not a VHDX image (no vhdxfile signature)")
        if fmt == "VMDK" and not (head[:4] == b"KDMV" or head.startswith(b"# Disk Descriptor")):
            raise BadImage("The file is not a VMDK image")
        if fmt in ("OVA", "TAR") and head[257:262] != b"ustar":
            raise BadImage(f"The file is not a {fmt} (tar) archive")
        return self.size
