"""Browser upload against a real `cumulo serve`: `cs` asks for the ticket, httpx POSTs the file."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cs import CloudStack

from tests.support.server import LiveServer

CS = str(Path(sys.executable).parent / "cs")
MiB = 1024**2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    node = LiveServer(tmp_path_factory.mktemp("upload"), "upload-cs")
    try:
        node.start(wait=False)
        node.wait_ready(timeout=120)
        yield node
    finally:
        node.close()


def _peak_rss(server: LiveServer) -> int:
    """The server's peak resident memory so far (VmHWM), bytes."""
    assert server.proc is not None
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) * 1024


def _server_cpu(server: LiveServer) -> float:
    assert server.proc is not None
    fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def test_cs_ticket_and_streamed_multipart_upload(server: LiveServer, tmp_path: Path) -> None:
    apikey, secretkey = server.keys()
    cs = CloudStack(endpoint=f"{server.url}/client/api", key=apikey, secret=secretkey)
    zone = cs.createZone(
        name="up", networktype="Advanced", dns1="10.0.0.2", internaldns1="10.0.0.2"
    )
    zone_id = zone["zone"]["id"]
    cs.addImageStore(zoneid=zone_id, name="sec", provider="NFS", url="nfs://10.0.0.3/export/sec")
    cs.updateZone(id=zone_id, allocationstate="Enabled")

    # The cs CLI prints CloudStack's field names and casing (postURL).
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
        "CLOUDSTACK_ENDPOINT": f"{server.url}/client/api",
        "CLOUDSTACK_KEY": apikey,
        "CLOUDSTACK_SECRET": secretkey,
    }
    args = [CS, "getUploadParamsForVolume", f"zoneid={zone_id}", "name=big", "format=QCOW2"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=True)
    params = json.loads(done.stdout)["getuploadparams"]
    assert sorted(params) == ["expires", "id", "metadata", "postURL", "signature"]
    assert params["postURL"].startswith(f"{server.url}/upload/")

    # 64 MiB streamed from disk: the server must not hold the body in memory.
    disk = tmp_path / "big.qcow2"
    with disk.open("wb") as fh:
        fh.write(b"QFI\xfb" + struct.pack(">I", 3) + bytes(16) + struct.pack(">Q", 8 * 1024**3))
        fh.truncate(64 * MiB)
    before = _peak_rss(server)
    headers = {
        "X-signature": params["signature"],
        "X-metadata": params["metadata"],
        "X-expires": params["expires"],
    }
    started = _server_cpu(server), time.monotonic()
    with disk.open("rb") as fh:
        resp = httpx.post(
            params["postURL"], files={"file": ("big.qcow2", fh)}, headers=headers, timeout=120
        )
    assert resp.status_code == 200, resp.text
    grown = _peak_rss(server) - before
    cpu, wall = _server_cpu(server) - started[0], time.monotonic() - started[1]
    print(f"UPLOAD peak rss growth {grown / MiB:.1f} MiB, wall {wall:.2f}s, server cpu {cpu:.2f}s")
    assert grown < 24 * MiB, f"server peak memory grew {grown / MiB:.1f} MiB for 64 MiB"

    (vol,) = cs.listVolumes(id=params["id"])["volume"]
    assert vol["state"] == "Uploaded" and vol["size"] == 8 * 1024**3
    stored = list((server.data_dir / "image-stores").glob("*/volumes/*/*.qcow2"))
    assert len(stored) == 1 and stored[0].stat().st_size == 64 * MiB

    # A CORS preflight from the browser UI is answered.
    pre = httpx.options(params["postURL"], headers={"Origin": "http://ui.example"})
    assert pre.status_code == 204
    assert "X-signature" in pre.headers["access-control-allow-headers"]
