"""CapacityResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names, percent
from cumulo.services.capacity import NAMES, Capacity


def capacity_view(cap: Capacity, names: Names) -> dict[str, Any]:
    view: dict[str, Any] = {"type": cap.type, "name": NAMES.get(cap.type, str(cap.type))}
    zone = names.zones.get(cap.zone_id)
    if zone:
        view["zoneid"], view["zonename"] = zone
    pod = names.pods.get(cap.pod_id or 0)
    if pod:
        view["podid"], view["podname"] = pod
    cluster = names.clusters.get(cap.cluster_id or 0)
    if cluster:
        view["clusterid"], view["clustername"] = cluster[0], cluster[1]
    view["capacityused"] = cap.used
    view["capacitytotal"] = cap.total
    view["capacityallocated"] = cap.allocated if cap.allocated is not None else cap.used
    view["percentused"] = percent(cap.used, cap.total).rstrip("%")
    return view
