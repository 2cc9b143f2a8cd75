"""Many concurrent API requests through the web VIP for a bounded time (client namespace).

``python -m cumulo.lab.pressure STATE_DIR THREADS SECONDS`` prints one JSON
object: how many requests succeeded and failed, and the first few errors.
Reads of several kinds plus a createDomain now and then, so the nodes'
database pools, request threads and the Galera writer are all busy.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from pathlib import Path

from cumulo.lab.probe import call
from cumulo.lab.topology import LabConfig

READS = ("listDomains", "listAccounts", "listVirtualMachines", "listHosts", "listZones")


def main(argv: list[str]) -> int:
    state, threads, seconds = Path(argv[0]), int(argv[1]), float(argv[2])
    cfg = LabConfig.load(state)
    creds = json.loads((state / "admin.json").read_text())
    url = f"http://{cfg.web_vip}:8080"
    lock = threading.Lock()
    counts = {"ok": 0, "failed": 0}
    errors: list[str] = []
    end = time.time() + seconds

    def worker(n: int) -> None:
        i = n
        while time.time() < end:
            i += 1
            try:
                if i % 10 == 0:
                    call(url, creds, "createDomain", 30, name=f"pr-{uuid.uuid4().hex[:10]}")
                else:
                    call(url, creds, READS[i % len(READS)], 30)
                key = "ok"
            except Exception as exc:
                key = "failed"
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {str(exc)[:120]}")
            with lock:
                counts[key] += 1

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 40)
    print(json.dumps({**counts, "errors": errors[:5]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
