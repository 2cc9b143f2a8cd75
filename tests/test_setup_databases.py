"""`cumulo cluster setup-databases` and `cumulo doctor` against a real MariaDB."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from click.testing import CliRunner

from cumulo.cli.main import cli
from cumulo.db.migrate import current_revision, head_revision
from cumulo.runtime import Runtime
from cumulo.services.secrets import ClusterKeyError
from cumulo.settings import Settings
from tests.support.ha_mariadb import ADMIN_PASSWORD, ADMIN_USER, MariaDB, private_mariadb

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mariadb() -> Iterator[MariaDB]:
    with private_mariadb() as db:
        yield db


def _setup(db: MariaDB, tmp: Path, node: str, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(
        cli,
        [
            "cluster",
            "setup-databases",
            f"cumulo:s3cret%pw@{db.host}:{db.port}",
            "--config-out",
            str(tmp / node / "cumulo.toml"),
            "--data-dir",
            str(tmp / node / "data"),
            "--key-file",
            str(tmp / node / "cluster.key"),
            "--node-name",
            node,
            "--service-ip",
            "127.0.0.1",
            *extra,
        ],
    )
    return res.exit_code, res.output


def _settings(path: Path) -> Settings:
    data = tomllib.loads(path.read_text())
    return Settings(**data, password_hash_memory_kib=1024, password_hash_time_cost=1)


def test_first_node_creates_database_least_privilege_user_schema_and_key(
    mariadb: MariaDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUMULO_PASSWORD_HASH_MEMORY_KIB", "1024")
    code, out = _setup(mariadb, tmp_path, "n1", f"--deploy-as={ADMIN_USER}:{ADMIN_PASSWORD}")
    assert code == 0, out
    assert "apikey:" in out and "user cumulo has rights on cumulo.* only" in out
    key = tmp_path / "n1" / "cluster.key"
    assert key.stat().st_mode & 0o777 == 0o600
    settings = _settings(tmp_path / "n1" / "cumulo.toml")
    assert settings.node_name == "n1" and "%25pw@" in settings.database_url  # quoted '%'
    rt = Runtime.open(settings)
    try:
        assert current_revision(rt.db.engine) == head_revision(rt.db.url)
    finally:
        rt.close()
    # Least privilege: the app user owns its schema and nothing else.
    grants = mariadb.sql("SHOW GRANTS FOR 'cumulo'@'%'")
    assert "`cumulo`.*" in grants and "ON *.*" in grants.split("\n")[0]
    assert "ALL PRIVILEGES ON *.*" not in grants
    conn = pymysql.connect(
        host=mariadb.host, port=mariadb.port, user="cumulo", password="s3cret%pw"
    )
    try:
        with conn.cursor() as cur, pytest.raises(pymysql.err.OperationalError) as err:
            cur.execute("CREATE DATABASE stolen")
        assert err.value.args[0] == 1044  # access denied
    finally:
        conn.close()

    # Running it again (same password) is harmless and creates no second admin.
    code, out = _setup(mariadb, tmp_path, "n1", f"--deploy-as={ADMIN_USER}:{ADMIN_PASSWORD}")
    assert code == 0, out
    assert "apikey:" not in out

    # Second node: no --deploy-as, only its config; it needs the first node's key.
    code, out = _setup(mariadb, tmp_path, "n2")
    assert code == 0, out
    assert "copy the cluster key" in out
    second = _settings(tmp_path / "n2" / "cumulo.toml")
    assert second.node_name == "n2"
    assert second.database_url == settings.database_url
    with pytest.raises(ClusterKeyError):
        Runtime.open(second)
    (tmp_path / "n2" / "cluster.key").write_bytes(key.read_bytes())
    Runtime.open(second).close()


def test_wrong_deploy_credentials_say_what_to_fix(mariadb: MariaDB, tmp_path: Path) -> None:
    code, out = _setup(mariadb, tmp_path, "n1", f"--deploy-as={ADMIN_USER}:wrong")
    assert code != 0
    assert "cannot connect as deployer" in out and "--deploy-as" in out
    assert not (tmp_path / "n1" / "cumulo.toml").exists()


def test_doctor_finds_the_503_key_mismatch(
    mariadb: MariaDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setenv("CUMULO_PASSWORD_HASH_MEMORY_KIB", "1024")
    mariadb.sql("DROP DATABASE IF EXISTS cumulo")
    code, out = _setup(
        mariadb, tmp_path, "n1", f"--deploy-as={ADMIN_USER}:{ADMIN_PASSWORD}", "--force"
    )
    assert code == 0, out
    config = str(tmp_path / "n1" / "cumulo.toml")
    monkeypatch.setenv("CUMULO_CONFIG", config)  # restored after the test
    res = CliRunner().invoke(cli, ["doctor", "--config", config, "--json"])
    report = json.loads(res.output)
    assert res.exit_code == 0, res.output
    checks = {f["check"]: f for f in report["findings"]}
    assert checks["database"]["status"] == "ok" and checks["schema"]["status"] == "ok"
    assert checks["clock"]["status"] == "ok"

    # Another node's key, as after adding a manager without copying the key file.
    key = tmp_path / "n1" / "cluster.key"
    key.unlink()
    from cumulo.services.secrets import generate_key_file

    generate_key_file(key)
    res = CliRunner().invoke(cli, ["doctor", "--config", config])
    assert res.exit_code == 1
    assert "FAIL cluster key" in res.output and "503" in res.output
    assert "Copy the key file" in res.output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("socket_ok", [True, False], ids=["not-galera", "unreachable"])
def test_clustercheck_refuses_a_node_that_is_not_a_synced_galera_member(
    mariadb: MariaDB, tmp_path: Path, socket_ok: bool
) -> None:
    """The 200 answer is exercised by the lab (HAProxy marks Galera backends UP with it)."""
    import subprocess
    import sys
    import time

    import httpx

    port = _free_port()
    sock = mariadb.socket if socket_ok else str(tmp_path / "nothing.sock")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "cumulo"),
            "cluster",
            "clustercheck",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--mysql-socket",
            sock,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "clustercheck did not start"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert resp.status_code == 503
    if socket_ok:
        # Reached MariaDB as root over the socket, but it has no wsrep state.
        assert "wsrep_local_state=None" in resp.text
    else:
        assert "MariaDB unreachable" in resp.text
