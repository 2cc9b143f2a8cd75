"""Galera nodes of the lab: install, bootstrap, join, recover (IST), query."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from cumulo.lab import procs
from cumulo.lab.topology import LAB_ROOT_PASSWORD, LabConfig

# The packaged service's account; mariadbd refuses root without --user=root anyway.
USER = "mysql"


def cnf(cfg: LabConfig, host: str) -> Path:
    return cfg.rendered / host / "60-galera.cnf"


def pidfile(cfg: LabConfig, host: str) -> Path:
    return cfg.host_dir(host) / "run" / "mariadbd.pid"


def install(cfg: LabConfig, host: str) -> None:
    lay = cfg.layout(host)
    for d in (lay.mysql_datadir, Path(lay.mysql_socket).parent, Path(lay.mysql_log).parent):
        Path(d).mkdir(parents=True, exist_ok=True)
        # As the packaged service does: the rsync SST daemon drops root to
        # "nobody" and could not write a root-owned datadir.
        shutil.chown(d, USER, USER)
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={lay.mysql_datadir}",
            f"--user={USER}",
            "--skip-test-db",
            "--auth-root-authentication-method=socket",
        ],
        capture_output=True,
        check=True,
    )


def start(cfg: LabConfig, host: str, *, new_cluster: bool = False, position: str = "") -> None:
    argv = ["mariadbd", f"--defaults-file={cnf(cfg, host)}", f"--user={USER}"]
    if new_cluster:
        argv.append("--wsrep-new-cluster")
    if position:
        argv.append(f"--wsrep-start-position={position}")
    log = cfg.host_dir(host) / "log" / "mariadbd.out"
    procs.start(cfg.ns(host), argv, pidfile(cfg, host), log)


def recover_position(cfg: LabConfig, host: str) -> str:
    """After kill -9 grastate.dat says seqno -1: find the real position so the node gets IST."""
    log = cfg.host_dir(host) / "log" / "recover.log"
    log.unlink(missing_ok=True)
    subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            cfg.ns(host),
            "mariadbd",
            f"--defaults-file={cnf(cfg, host)}",
            f"--user={USER}",
            "--wsrep-recover",
            f"--log-error={log}",
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    text = log.read_text() if log.exists() else ""
    found = re.findall(r"Recovered position:?\s+([0-9a-f-]{36}:-?\d+)", text)
    return found[-1] if found else ""


def sql(cfg: LabConfig, host: str, statement: str, timeout: float = 5) -> str:
    """Run SQL as root over the node's unix socket (a file: no namespace needed)."""
    res = subprocess.run(
        [
            "mariadb",
            f"--socket={cfg.layout(host).mysql_socket}",
            "-uroot",
            "-N",
            "-B",
            "--connect-timeout=2",
            "-e",
            statement,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(res.stderr.strip() or f"mariadb exited {res.returncode}")
    return res.stdout


def wsrep(cfg: LabConfig, host: str) -> dict[str, str]:
    try:
        out = sql(cfg, host, "SHOW GLOBAL STATUS LIKE 'wsrep_%'")
    except (RuntimeError, subprocess.TimeoutExpired):
        return {}
    return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)


def wait_synced(cfg: LabConfig, host: str, timeout: float = 90) -> float:
    t0 = time.monotonic()
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if not procs.alive(procs.read_pid(pidfile(cfg, host))):
            tail = cfg.layout(host).mysql_log and Path(cfg.layout(host).mysql_log)
            raise RuntimeError(f"mariadbd on {host} exited; see {tail}")
        st = wsrep(cfg, host)
        if st.get("wsrep_local_state") == "4" and st.get("wsrep_ready") == "ON":
            return time.monotonic() - t0
        time.sleep(0.2)
    raise RuntimeError(f"{host} did not reach Synced within {timeout:.0f}s")


def create_lab_users(cfg: LabConfig, host: str) -> None:
    # What `setup-databases --deploy-as root:...` logs in with through the DB VIP.
    sql(
        cfg,
        host,
        f"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '{LAB_ROOT_PASSWORD}';"
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
    )
