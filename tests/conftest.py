from __future__ import annotations

import os

# Password hashing reads the process-wide settings; keep Argon2 cheap in tests
# (the production cost is the default everywhere else).
os.environ.setdefault("CUMULO_PASSWORD_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("CUMULO_PASSWORD_HASH_TIME_COST", "1")

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cloud import Cloud, running_cloud, test_settings


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A fresh SQLite-backed cloud with a running node, per test."""
    with running_cloud(test_settings(tmp_path / "data")) as c:
        yield c
