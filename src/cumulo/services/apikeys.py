"""API key pairs in CloudStack's format."""

from __future__ import annotations

import base64
import os


def new_key() -> str:
    """64 random bytes, URL-safe Base64 without padding: 86 characters, like CloudStack."""
    return base64.urlsafe_b64encode(os.urandom(64)).decode().rstrip("=")


def new_session_key() -> str:
    """20 random bytes, URL-safe Base64 without padding (27 characters)."""
    return base64.urlsafe_b64encode(os.urandom(20)).decode().rstrip("=")
