"""Profile one request path in-process: CPU per signed listDomains, no HTTP.

python bench/profile_handler.py [--backend sqlite|mariadb] [-n 2000] [--cprofile] [--dump F]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.cloud import running_cloud, test_settings  # noqa: E402

from bench.api_bench import Keys, backend_url, seed, signed_target  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--pagesize", default="20")
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--dump", help="with --cprofile: also write the pstats file here")
    ap.add_argument("--command", default="listDomains", help="listDomains or listAccounts")
    a = ap.parse_args()
    from cumulo.http.api import ApiRequest

    with tempfile.TemporaryDirectory() as tmp, backend_url(a.backend, Path(tmp)) as url:
        settings = test_settings(Path(tmp) / "data", database_url="" if "sqlite" in url else url)
        with running_cloud(settings) as cloud:
            seed(cloud.rt.db.url, 1000, 1000 if a.command == "listAccounts" else 0)
            keys = Keys(cloud.creds.apikey, cloud.creds.secretkey)
            target = signed_target(
                keys, a.command, {"listall": "true", "page": "3", "pagesize": a.pagesize}
            )
            params = dict(parse_qsl(target.split("?", 1)[1]))
            handler = cloud.http.app  # noqa: F841  (keeps the app alive)
            from cumulo.http.api import ApiHandler

            h = ApiHandler(cloud.rt)
            req = ApiRequest("GET", params, {})
            assert h.handle(req).status == 200
            # CPU time of this thread: waiting (GIL, locks, other processes) is not cost.
            prof = cProfile.Profile(time.thread_time) if a.cprofile else None
            if prof:
                prof.enable()
            t0, c0 = time.perf_counter(), time.thread_time()
            for _ in range(a.n):
                h.handle(req)
            wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
            if prof:
                prof.disable()
            print(
                f"{a.backend} {a.command}: {a.n} requests, {cpu / a.n * 1000:.3f} ms CPU each "
                f"({wall / a.n * 1000:.3f} ms wall)"
            )
            if prof:
                pstats.Stats(prof).sort_stats(a.sort).print_stats(45)
                if a.dump:
                    prof.dump_stats(a.dump)


if __name__ == "__main__":
    main()
