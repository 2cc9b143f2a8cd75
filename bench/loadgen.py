"""A small, fast HTTP/1.1 load generator for pre-signed GET requests.

Run as its own process so that it does not share an interpreter (or a GIL)
with the server. Each client is one keep-alive connection sending the next
request as soon as the previous answer is complete (closed loop), so the
offered load is exactly ``clients`` requests in flight. Raw asyncio streams
instead of an HTTP client library: parsing only what HTTP/1.1 needs
(status, Content-Length) keeps the generator's share of the CPU small.

Input: a file of request targets (``/client/api?...``), one a line.
Output (stdout): one JSON object with counts and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


async def client(
    host: str,
    port: int,
    targets: list[bytes],
    offset: int,
    warmup_end: float,
    stop_at: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    measured = False
    try:
        while True:
            start = time.perf_counter()
            # Every client measures at least one request, even on a host so busy
            # that the warm-up outlasts the whole run (short smoke runs).
            if start >= stop_at and measured:
                return
            writer.write(targets[i % len(targets)])
            i += 1
            status = await read_response(reader)
            end = time.perf_counter()
            if start >= warmup_end:
                measured = True
                latencies.append(end - start)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run(
    host: str, port: int, paths: list[str], clients: int, duration: float, warmup: float
) -> dict[str, object]:
    targets = [
        f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode() for p in paths
    ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    begin = time.perf_counter()
    warmup_end = begin + warmup
    stop_at = warmup_end + duration
    cpu0 = time.process_time()
    await asyncio.gather(
        *(
            client(host, port, targets, n * 7, warmup_end, stop_at, latencies, statuses)
            for n in range(clients)
        )
    )
    elapsed = time.perf_counter() - warmup_end
    latencies.sort()
    ok = statuses.get(200, 0)
    return {
        "clients": clients,
        "seconds": round(elapsed, 3),
        "requests": len(latencies),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "loadgen_cpu_s": round(time.process_time() - cpu0, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--targets", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    a = ap.parse_args()
    paths = [line for line in a.targets.read_text().splitlines() if line]
    if uvloop is not None:
        uvloop.install()
    result = asyncio.run(run(a.host, a.port, paths, a.clients, a.duration, a.warmup))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
