"""Continuous signed API load through the web VIP, run in the lab's client namespace.

``python -m cumulo.lab.load STATE_DIR`` prints ``ready``, then runs until a
line arrives on stdin, and prints one JSON object with every request's
outcome and timing:

* readers: listDomains / listAccounts; a failed read is retried once (a
  client that retries idempotent requests once), the record says so;
* writer: createDomain with a unique name (never retried: not idempotent);
  every third created domain is deleted again with the async deleteDomain;
* jobs: each deleteDomain job is polled with queryAsyncJobResult until it
  ends (jobstatus 1 or 2), recording when and with which errortext.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from cumulo.lab.probe import call
from cumulo.lab.topology import LabConfig

TIMEOUT = 5.0
# A client retries a failed idempotent request once, after this pause.
RETRY_AFTER = 1.0


class Load:
    def __init__(self, url: str, creds: dict[str, str]) -> None:
        self.url, self.creds = url, creds
        self.stop = threading.Event()
        # Set once the writer has stopped: no job can be submitted after it.
        self.submitters_done = threading.Event()
        self.lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        self.acked: list[str] = []
        self.deleting: list[str] = []
        self.jobs: list[dict[str, Any]] = []

    def _call(self, command: str, **params: str) -> dict[str, Any]:
        return call(self.url, self.creds, command, TIMEOUT, **params)

    def _record(self, kind: str, t0: float, ok: bool, **extra: Any) -> None:
        with self.lock:
            self.records.append({"kind": kind, "t0": t0, "t1": time.time(), "ok": ok, **extra})

    def reader(self, offset: int) -> None:
        commands = ("listDomains", "listAccounts")
        n = offset
        while not self.stop.is_set():
            command = commands[n % 2]
            n += 1
            t0 = time.time()
            error = ""
            for attempt in (0, 1):
                try:
                    self._call(command)
                    self._record("read", t0, True, retried=attempt == 1, error=error)
                    break
                except Exception as exc:
                    error = f"{exc.__class__.__name__}: {str(exc)[:200]}"
                    if attempt == 1:
                        self._record("read", t0, False, retried=True, error=error)
                    else:
                        time.sleep(RETRY_AFTER)
            time.sleep(0.05)

    def writer(self) -> None:
        n = 0
        while not self.stop.is_set():
            name = f"fo-{uuid.uuid4().hex[:10]}"
            t0 = time.time()
            try:
                body = self._call("createDomain", name=name)
                domain = body["createdomainresponse"]["domain"]
                self._record("write", t0, True, name=name)
                n += 1
                with self.lock:
                    self.acked.append(name)
                if n % 3 == 0:
                    self._delete(domain["id"], name)
            except Exception as exc:
                self._record("write", t0, False, name=name, error=str(exc)[:200])
            time.sleep(0.1)

    def _delete(self, domain_id: str, name: str) -> None:
        t0 = time.time()
        try:
            body = self._call("deleteDomain", id=domain_id)
            jobid = body["deletedomainresponse"]["jobid"]
        except Exception as exc:
            self._record("job-submit", t0, False, error=str(exc)[:200])
            return
        with self.lock:
            self.deleting.append(name)
            self.jobs.append({"jobid": jobid, "t0": t0, "status": 0, "t1": None, "errortext": ""})

    def poller(self) -> None:
        """Poll every pending job until it ends; after stop, for at most 45 s more."""
        while not self.submitters_done.is_set() or self._pending():
            for job in self._pending():
                try:
                    body = self._call("queryAsyncJobResult", jobid=job["jobid"])
                    res = body["queryasyncjobresultresponse"]
                    if int(res["jobstatus"]) != 0:
                        result = res.get("jobresult")
                        text = result.get("errortext", "") if isinstance(result, dict) else ""
                        job.update(status=int(res["jobstatus"]), t1=time.time(), errortext=text)
                except Exception as exc:
                    job["last_error"] = f"{exc.__class__.__name__}: {str(exc)[:160]}"
            if self.stop.wait(0.3) and time.time() > self.stopped_at + 45:
                return

    def _steady(self) -> bool:
        with self.lock:
            kinds = {r["kind"] for r in self.records if r["ok"]}
        return {"read", "write"} <= kinds

    def _pending(self) -> list[dict[str, Any]]:
        with self.lock:
            return [j for j in self.jobs if j["status"] == 0]

    def run(self) -> dict[str, Any]:
        threads = [
            threading.Thread(target=self.reader, args=(0,), daemon=True),
            threading.Thread(target=self.reader, args=(1,), daemon=True),
            threading.Thread(target=self.writer, daemon=True),
        ]
        poller = threading.Thread(target=self.poller, daemon=True)
        self.stopped_at = float("inf")
        for t in (*threads, poller):
            t.start()
        # "ready" once requests succeed: the first ones wait for imports and
        # connections, which on a busy machine takes seconds.
        deadline = time.time() + 60
        while time.time() < deadline and not self._steady():
            time.sleep(0.1)
        print("ready", flush=True)
        sys.stdin.readline()
        self.stopped_at = time.time()
        self.stop.set()
        for t in threads:
            t.join(timeout=TIMEOUT * 2 + 1)
        self.submitters_done.set()
        poller.join(timeout=50)
        with self.lock:
            return {
                "records": self.records,
                "acked": self.acked,
                "deleting": self.deleting,
                "jobs": self.jobs,
            }


def main(argv: list[str]) -> int:
    state = Path(argv[0])
    cfg = LabConfig.load(state)
    creds = json.loads((state / "admin.json").read_text())
    result = Load(f"http://{cfg.web_vip}:8080", creds).run()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
