"""A simulator zone with secondary storage, for the template and system VM tests."""

from __future__ import annotations

import time
from typing import Any

from tests.infra_helpers import add_host, make_cluster, make_pod, make_zone, wait_hosts_up
from tests.support.client import ApiClient


def storage_zone(
    api: ApiClient, name: str = "z1", prefix: str = "172.16.15", store: bool = True
) -> dict[str, Any]:
    """Zone + pod + cluster + one Up host + primary storage (+ image store)."""
    zone = make_zone(api, name=name)
    pod = make_pod(api, zone["id"], prefix=prefix)
    cluster = make_cluster(api, zone["id"], pod["id"])
    add_host(api, zone["id"], pod["id"], cluster["id"], f"http://sim/{name}/h0")
    wait_hosts_up(api, 1, zoneid=zone["id"])
    api.call(
        "createStoragePool",
        zoneid=zone["id"],
        podid=pod["id"],
        clusterid=cluster["id"],
        name=f"PS-{name}",
        scope="cluster",
        url=f"nfs://10.147.28.6/export/{name}/primary",
    )
    if store:
        add_store(api, zone, name)
    return zone


def add_store(api: ApiClient, zone: dict[str, Any], name: str) -> None:
    api.call(
        "addImageStore",
        provider="NFS",
        zoneid=zone["id"],
        name=f"SS-{name}",
        url=f"nfs://10.147.28.6/export/{name}/secondary",
    )


def wait_template(
    api: ApiClient,
    template_id: str,
    zone_id: str,
    want_ready: bool = True,
    timeout: float = 15.0,
    command: str = "listTemplates",
    **extra: Any,
) -> dict[str, Any]:
    """Poll until the template's copy in the zone is ready (or has failed)."""
    key = "iso" if command == "listIsos" else "template"
    flt = {"isofilter": "all"} if key == "iso" else {"templatefilter": "all"}
    deadline = time.monotonic() + timeout
    row: dict[str, Any] = {}
    while time.monotonic() < deadline:
        rows = api.call(command, id=template_id, zoneid=zone_id, **flt, **extra).get(key, [])
        row = rows[0] if rows else {}
        if row and (row["isready"] or (not want_ready and "Failed" in (row["status"] or ""))):
            return row
        time.sleep(0.1)
    raise AssertionError(f"template not {'ready' if want_ready else 'failed'}: {row}")
