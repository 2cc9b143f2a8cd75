"""A private, throw-away MariaDB server on loopback for the HA tooling tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ADMIN_USER, ADMIN_PASSWORD = "deployer", "deployer-pw"


@dataclass(frozen=True)
class MariaDB:
    host: str
    port: int
    socket: str

    def sql(self, statement: str) -> str:
        res = subprocess.run(
            ["mariadb", f"--socket={self.socket}", "-uroot", "-N", "-B", "-e", statement],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return res.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_mariadb() -> Iterator[MariaDB]:
    """mariadbd on 127.0.0.1 with an admin account that may create databases and users."""
    # Not under pytest's tmp_path: that is root-only and mariadbd runs as mysql.
    base = Path(tempfile.mkdtemp(prefix="cumulo-ha-mariadb-"))
    base.chmod(0o755)
    data, sock, log = base / "data", base / "mysqld.sock", base / "error.log"
    data.mkdir(parents=True)
    shutil.chown(base, "mysql", "mysql")
    shutil.chown(data, "mysql", "mysql")
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={data}",
            "--user=mysql",
            "--skip-test-db",
            "--auth-root-authentication-method=socket",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--log-error={log}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=32M",
            "--innodb-flush-log-at-trx-commit=2",
            "--performance-schema=0",
            "--user=mysql",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = MariaDB("127.0.0.1", port, str(sock))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                db.sql("SELECT 1")
                break
            except subprocess.CalledProcessError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"mariadbd did not start: {log.read_text()[-2000:]}"
                    ) from exc
                time.sleep(0.2)
        db.sql(
            f"CREATE USER '{ADMIN_USER}'@'%' IDENTIFIED BY '{ADMIN_PASSWORD}';"
            f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN_USER}'@'%' WITH GRANT OPTION;"
        )
        yield db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)
