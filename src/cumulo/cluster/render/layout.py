"""Where daemons keep their files: Debian's paths, or a private tree for the lab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    mysql_datadir: str = "/var/lib/mysql"
    mysql_socket: str = "/run/mysqld/mysqld.sock"
    mysql_pid: str = "/run/mysqld/mysqld.pid"
    mysql_log: str = "/var/log/mysql/error.log"
    haproxy_pid: str = "/run/haproxy.pid"
    haproxy_socket: str = "/run/haproxy/admin.sock"
    keepalived_script: str = "/etc/keepalived/chk_haproxy.sh"
    cumulo_data_dir: str = "/var/lib/cumulo"
    cumulo_key: str = "/etc/cumulo/cluster.key"
    cumulo_bin: str = "/usr/bin/cumulo"

    @classmethod
    def under(cls, root: Path, cumulo_bin: str = "cumulo") -> Layout:
        """Everything of one host below ``root`` (the lab's per-namespace folder)."""
        r = root
        return cls(
            mysql_datadir=str(r / "mysql"),
            mysql_socket=str(r / "run" / "mysqld.sock"),
            mysql_pid=str(r / "run" / "mysqld.pid"),
            mysql_log=str(r / "log" / "mysqld.log"),
            haproxy_pid=str(r / "run" / "haproxy.pid"),
            haproxy_socket=str(r / "run" / "haproxy.sock"),
            keepalived_script=str(r / "etc" / "chk_haproxy.sh"),
            cumulo_data_dir=str(r / "cumulo"),
            cumulo_key=str(r / "etc" / "cluster.key"),
            cumulo_bin=cumulo_bin,
        )


DEBIAN = Layout()
