from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cloud import Cloud, running_cloud, test_settings


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A fresh SQLite-backed cloud with a running node, per test."""
    with running_cloud(test_settings(tmp_path / "data")) as c:
        yield c
