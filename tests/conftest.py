from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cloud import Cloud, running_cloud, test_settings
from tests.support.mariadb import MariaDB

BACKENDS = ("sqlite", "mariadb")

# services.passwords hashes with the process settings, not the cloud's: keep
# Argon2 cheap in tests (the production cost is ~0.4 s of CPU per hash).
os.environ.setdefault("CUMULO_PASSWORD_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("CUMULO_PASSWORD_HASH_TIME_COST", "1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backends(*names): run the test's `cloud` on each named database backend "
        "(sqlite, mariadb) instead of SQLite only",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is None or "backend" not in metafunc.fixturenames:
        return
    names = marker.args or BACKENDS
    unknown = set(names) - set(BACKENDS)
    assert not unknown, f"unknown backends {unknown}"
    metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """One private mariadbd for the whole session, started on first use."""
    server = MariaDB(tmp_path_factory.mktemp("mariadb")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mariadb_url(mariadb: MariaDB) -> Iterator[str]:
    """A fresh, empty utf8mb4 database on the session's MariaDB."""
    name = mariadb.create_database()
    try:
        yield mariadb.url(name)
    finally:
        mariadb.drop_database(name)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database behind `cloud`: SQLite unless the test is marked with `backends`."""
    return getattr(request, "param", "sqlite")


def database_url_for(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "mariadb":
        return str(request.getfixturevalue("mariadb_url"))
    return ""  # the embedded default: SQLite in the data dir


@pytest.fixture
def cloud(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Cloud]:
    """A fresh cloud with a running node, per test (SQLite unless parametrised)."""
    url = database_url_for(backend, request)
    with running_cloud(test_settings(tmp_path / "data", database_url=url)) as c:
        yield c


@pytest.fixture
def cloud_mariadb(tmp_path: Path, mariadb_url: str) -> Iterator[Cloud]:
    """Like `cloud`, on a fresh database of the session's MariaDB."""
    with running_cloud(test_settings(tmp_path / "data", database_url=mariadb_url)) as c:
        yield c
