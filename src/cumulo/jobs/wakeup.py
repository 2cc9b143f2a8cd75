"""Cross-process job wake-up for ``cumulo serve --workers N``.

HTTP workers queue jobs, but the runner lives in the serve parent process.
Each queued job sends a datagram to a UDP port on 127.0.0.1 (see
``Runtime.wake_jobs``); this listener turns it into the runner's wake-up
event. Datagrams are best effort: polling still finds every job.
"""

from __future__ import annotations

import logging
import socket
import threading

from cumulo.runtime import Runtime

log = logging.getLogger(__name__)


class WakeupListener:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-wakeup", daemon=True)

    def start(self) -> int:
        self._thread.start()
        return self.port

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recv(64)
            except TimeoutError:
                continue
            except OSError:
                return
            self.rt.job_wakeup.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
