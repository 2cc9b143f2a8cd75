"""CPU time of an idle `cumulo serve --demo` (SQLite, simulator zone) over a window, from /proc.

    python -m bench.idle_cpu [--seconds 60] [--heartbeat 0.3] [--src DIR]

``--src`` runs another checkout's code (e.g. ``git archive main | tar -x -C DIR``)
with this interpreter, for a before/after comparison. The server starts on a
fresh data directory, builds the demo zone, settles for ``--settle`` seconds,
then the user + system CPU ticks of the process are read at the start and the
end of the window.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; here 0-based after the comm.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the server did not become ready")


def measure(seconds: float, heartbeat: float, settle: float, src: str | None) -> float:
    data = Path(tempfile.mkdtemp(prefix="cumulo-idle-"))
    port = _free_port()
    (data / "empty.toml").touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUMULO_")}
    env.update(
        CUMULO_CONFIG=str(data / "empty.toml"),
        CUMULO_DATA_DIR=str(data),
        CUMULO_NODE_NAME="idle",
        CUMULO_HOST="127.0.0.1",
        CUMULO_PORT=str(port),
        CUMULO_HEARTBEAT_INTERVAL=str(heartbeat),
        CUMULO_HEARTBEAT_THRESHOLD=str(max(1.5, 5 * heartbeat)),
        CUMULO_LOG_LEVEL="warning",
    )
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-m", "cumulo.cli.main"]
    subprocess.run([*cmd, "db", "deploy"], env=env, check=True, capture_output=True)
    log = (data / "serve.log").open("wb")
    proc = subprocess.Popen([*cmd, "serve", "--demo"], env=env, stdout=log, stderr=log)
    try:
        _wait_ready(port, 60)
        time.sleep(settle)
        before = _cpu_seconds(proc.pid)
        time.sleep(seconds)
        return _cpu_seconds(proc.pid) - before
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--heartbeat", type=float, default=0.3)
    p.add_argument("--settle", type=float, default=20)
    p.add_argument("--src")
    a = p.parse_args()
    cpu = measure(a.seconds, a.heartbeat, a.settle, a.src)
    print(f"cpu {cpu:.2f} s over {a.seconds:.0f} s = {100 * cpu / a.seconds:.1f} % of a core")


if __name__ == "__main__":
    main()
