"""PodResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names
from cumulo.db.models.pod import Pod


def pod_view(
    pod: Pod, names: Names, capacity: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    start = [pod.start_ip] if pod.start_ip else []
    end = [pod.end_ip] if pod.end_ip else []
    return {
        "id": pod.uuid,
        "name": pod.name,
        **names.place(pod),
        "gateway": pod.gateway,
        "netmask": pod.netmask,
        "startip": start,
        "endip": end,
        "forsystemvms": ["0"] if start else [],
        "vlanid": [],
        "ipranges": [
            {"startip": pod.start_ip, "endip": pod.end_ip, "forsystemvms": "0", "vlanid": None}
        ]
        if pod.start_ip
        else [],
        "allocationstate": pod.allocation_state,
        "capacity": capacity,
        "hasannotations": False,
    }
