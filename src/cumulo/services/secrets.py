"""The cluster key: encrypts secrets stored in the database.

Every management node of one installation must hold the same key. Its
fingerprint is kept in the database so that a node with another key refuses to
start with a clear message, instead of failing later on every signed request
(the "503 after adding a manager" of the guides).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cumulo.errors import CumuloError

KEY_BYTES = 32
NONCE_BYTES = 12


class ClusterKeyError(CumuloError):
    """The cluster key is missing, unreadable or not this installation's."""


def generate_key_file(path: Path) -> bytes:
    """Write a new random key (mode 0600); refuse to overwrite an existing one."""
    if path.exists():
        raise ClusterKeyError(f"cluster key {path} already exists; not overwriting it")
    key = os.urandom(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode() + "\n")
    return key


def read_key_file(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except FileNotFoundError:
        raise ClusterKeyError(
            f"cluster key file {path} not found; copy it from another management node "
            "(every node needs the same key) or run `cumulo db deploy` on a new installation"
        ) from None
    except ValueError:
        raise ClusterKeyError(f"cluster key file {path} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ClusterKeyError(f"cluster key file {path} must hold {KEY_BYTES} bytes")
    return key


def fingerprint(key: bytes) -> str:
    return "sha256:" + hashlib.sha256(b"cumulo-cluster-key\0" + key).hexdigest()[:32]


class SecretBox:
    """AES-256-GCM with the cluster key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._key = key
        self.fingerprint = fingerprint(key)

    def subkey(self, label: str) -> bytes:
        """A key for one purpose (e.g. signing upload URLs), derived from the cluster key.

        Every node derives the same one; a leak of it reveals nothing of the cluster key.
        """
        return hmac.new(self._key, b"cumulo-subkey\0" + label.encode(), hashlib.sha256).digest()

    def seal(self, plaintext: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), None)

    def open(self, sealed: bytes) -> str:
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return self._aead.decrypt(nonce, body, None).decode()


SEALED_PREFIX = "sealed:"


def seal_text(box: SecretBox, plaintext: str) -> str:
    """A secret as text for a string column (a secure setting's value)."""
    return SEALED_PREFIX + base64.b64encode(box.seal(plaintext)).decode()


def open_text(box: SecretBox, stored: str) -> str:
    """The secret ``seal_text`` stored; an empty value stays empty."""
    if not stored:
        return ""
    if not stored.startswith(SEALED_PREFIX):
        raise ClusterKeyError("a secure setting holds a value that was not sealed; set it again")
    return box.open(base64.b64decode(stored[len(SEALED_PREFIX) :]))
