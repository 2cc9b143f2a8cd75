"""Detached daemons tracked by pid files (one PID namespace serves every lab host).

``pidof``/``pkill`` would see the daemons of every namespace, so the lab only
ever acts on the pids it recorded itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

# sh records its own pid, then execs `ip netns exec`, which execs the daemon:
# the recorded pid is the daemon's.
_WRAPPER = 'echo $$ > "$0"; exec "$@"'


def start(
    ns: str, argv: list[str], pidfile: Path, logfile: Path, env: dict[str, str] | None = None
) -> int:
    """Start ``argv`` inside namespace ``ns``, detached from us (never our zombie)."""
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.unlink(missing_ok=True)
    with open(logfile, "ab") as log:
        subprocess.run(
            ["setsid", "-f", "sh", "-c", _WRAPPER, str(pidfile), "ip", "netns", "exec", ns, *argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            check=True,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pid = read_pid(pidfile)
        if pid:
            return pid
        time.sleep(0.02)
    raise RuntimeError(f"{argv[0]} in {ns} did not start (see {logfile})")


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def alive(pid: int | None) -> bool:
    """Running and not a zombie (PID 1 here reaps orphans only after ~2 s)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def kill(pid: int | None, sig: int = signal.SIGKILL, wait: float = 5.0) -> bool:
    """Send ``sig`` and wait (bounded) until the process is gone; True if it was running."""
    if not alive(pid):
        return False
    assert pid is not None
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + wait
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True


def kill_pidfile(pidfile: Path, sig: int = signal.SIGKILL) -> bool:
    return kill(read_pid(pidfile), sig)


def kill_all(pids: list[int], wait: float = 10.0) -> None:
    """SIGKILL all at once, then wait (bounded) for every one of them."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
