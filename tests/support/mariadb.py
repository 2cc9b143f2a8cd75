"""A private MariaDB server for the test session (Debian's mariadb-server).

Started from the binaries with ``--no-defaults``: its own temporary datadir,
TCP on 127.0.0.1 at a free port plus a socket, nothing shared with the
distribution's instance (which stays stopped). Each test gets its own
database.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pymysql

USER = "cumulo"
PASSWORD = "cumulo-test"
# Fast and small: the data is thrown away after the session.
SERVER_OPTIONS = (
    "--skip-name-resolve",
    "--skip-log-bin",
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=2",
    "--innodb-doublewrite=0",
    "--sync-frm=0",
    "--innodb-lock-wait-timeout=5",
    "--max-connections=500",
    "--performance-schema=0",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{name} not found: install mariadb-server (scripts/test-deps.sh)")
    return path


class MariaDB:
    """One ``mariadbd`` process with a throw-away datadir."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.datadir = base / "data"
        self.socket = str(base / "mysqld.sock")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = base / "error.log"

    def start(self, timeout: float = 60.0) -> MariaDB:
        self.base.mkdir(parents=True, exist_ok=True)
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                _binary("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
                "--skip-name-resolve",
                *as_root,
            ],
            check=True,
            capture_output=True,
        )
        self._launch()
        self._wait_ready(timeout)
        with self.root() as conn, conn.cursor() as cur:
            for host in ("127.0.0.1", "localhost"):
                cur.execute(f"CREATE USER '{USER}'@'{host}' IDENTIFIED BY '{PASSWORD}'")
                cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'{host}'")
        return self

    def _launch(self) -> None:
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen(
            [
                _binary("mariadbd"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                f"--port={self.port}",
                f"--bind-address={self.host}",
                f"--pid-file={self.base / 'mysqld.pid'}",
                f"--log-error={self._log}",
                *SERVER_OPTIONS,
                *as_root,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def restart(self, timeout: float = 60.0) -> None:
        """Start the server again on the same datadir and port (after ``stop``/``kill``)."""
        self._launch()
        self._wait_ready(timeout)

    def kill(self) -> None:
        """SIGKILL: the server vanishes without closing its connections cleanly."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"mariadbd exited: {self._log.read_text()[-2000:]}")
            try:
                self.root().close()
                return
            except pymysql.err.OperationalError:
                time.sleep(0.1)
        raise RuntimeError(f"mariadbd not ready after {timeout}s")

    def root(self, database: str | None = None) -> pymysql.connections.Connection:
        """An administrative connection over the socket (root authenticates by uid)."""
        return pymysql.connect(
            unix_socket=self.socket,
            user="root",
            database=database,
            autocommit=True,
            charset="utf8mb4",
        )

    def url(self, database: str, scheme: str = "mysql+pymysql") -> str:
        return f"{scheme}://{USER}:{PASSWORD}@{self.host}:{self.port}/{database}"

    def create_database(self, prefix: str = "t", charset: str = "utf8mb4") -> str:
        """A new empty database with a unique name; returns its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.root() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET {charset}")
        return name

    def drop_database(self, name: str) -> None:
        with self.root() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
