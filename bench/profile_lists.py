"""Profile list commands in-process on a seeded data dir: time, SQL statements, SQL time.

    python bench/seed_scale.py --data-dir /tmp/scale --scale 0.1
    python bench/profile_lists.py --data-dir /tmp/scale [-n 3] [--cprofile listAccounts]

No HTTP and no node: the handler runs as `cumulo serve` would run it, so the
statement count shows N+1 queries in a view at once (a page of 500 should take
a handful of statements, not thousands).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.list_bench import admin_keys
from cumulo.http.api import ApiHandler, ApiRequest
from cumulo.http.signing import sign
from cumulo.runtime import Runtime
from cumulo.settings import Settings

LISTS = {
    "listVirtualMachines": ({"listall": "true"}, "scale-vm-4242"),
    "listHosts": ({"type": "Routing"}, "scale-host-1234"),
    "listVolumes": ({"listall": "true"}, "DATA-4242"),
    "listNetworks": ({"listall": "true"}, "scale-net-777"),
    "listAccounts": ({"listall": "true"}, "a1234"),
}


class Counter:
    def __init__(self, show: bool) -> None:
        self.statements, self.seconds, self._t0, self.show = 0, 0.0, 0.0, show

    def before(self, *_: Any) -> None:
        self._t0 = time.perf_counter()

    def after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        took = time.perf_counter() - self._t0
        self.seconds += took
        if self.show:
            print(f"    {took * 1000:7.1f} ms  {' '.join(statement.split())[:400]}")


def keys_for(data_dir: str, url: str) -> dict[str, str]:
    env = dict(os.environ, CUMULO_DATA_DIR=data_dir, CUMULO_NODE_NAME="profile")
    if url:
        env["CUMULO_DATABASE_URL"] = url
    return admin_keys(env)


def request(keys: dict[str, str], command: str, params: dict[str, str]) -> ApiRequest:
    p = {**params, "command": command, "response": "json", "apiKey": keys["apikey"]}
    p["signature"] = sign(p, keys["secretkey"])
    return ApiRequest("GET", p, {})


def cases(extra: dict[str, str], keyword: str, mid: int) -> dict[str, dict[str, str]]:
    return {
        "page1": {"page": "1", "pagesize": "500", **extra},
        f"page{mid}": {"page": str(mid), "pagesize": "500", **extra},
        "keyword": {"keyword": keyword, "page": "1", "pagesize": "500", **extra},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--url", default="")
    ap.add_argument("-n", type=int, default=3, help="requests per case (best is shown)")
    ap.add_argument("--only", default="", help="one command")
    ap.add_argument("--cprofile", action="store_true", help="print a profile per case")
    ap.add_argument("--sql", action="store_true", help="print every statement and its time")
    args = ap.parse_args(argv)
    keys = keys_for(args.data_dir, args.url)
    settings = Settings(  # type: ignore[call-arg]
        data_dir=Path(args.data_dir), database_url=args.url, node_name="profile"
    )
    rt = Runtime.open(settings)
    counter = Counter(args.sql)
    event.listen(rt.db.engine, "before_cursor_execute", counter.before)
    event.listen(rt.db.engine, "after_cursor_execute", counter.after)
    handler = ApiHandler(rt)
    try:
        for command, (extra, keyword) in LISTS.items():
            if args.only and command != args.only:
                continue
            first = handler.handle(request(keys, command, {"page": "1", "pagesize": "1", **extra}))
            total = int(next(iter(json.loads(first.body).values())).get("count", 0))
            for name, params in cases(extra, keyword, max(1, total // 500 // 2)).items():
                req = request(keys, command, params)
                best = None
                for _ in range(args.n):
                    counter.statements, counter.seconds = 0, 0.0
                    prof = cProfile.Profile() if args.cprofile else None
                    t0, c0 = time.perf_counter(), time.process_time()
                    if prof:
                        prof.enable()
                    reply = handler.handle(req)
                    if prof:
                        prof.disable()
                    ms = (time.perf_counter() - t0) * 1000
                    cpu = (time.process_time() - c0) * 1000
                    if reply.status != 200:
                        print(f"{command} {name}: {reply.status} {reply.body[:300]!r}")
                        break
                    if best is None or ms < best[0]:
                        best = (ms, counter.statements, counter.seconds * 1000, prof, cpu)
                if best:
                    print(
                        f"{command + ' ' + name:<34} {best[0]:8.1f} ms ({best[4]:6.1f} CPU)  "
                        f"{best[1]:5d} statements  {best[2]:7.1f} ms SQL",
                        flush=True,
                    )
                    if best[3]:
                        pstats.Stats(best[3]).sort_stats("cumulative").print_stats(30)
    finally:
        rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
