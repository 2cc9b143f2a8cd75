"""ClusterResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names
from cumulo.db.models.host_cluster import Cluster


def cluster_view(
    cluster: Cluster,
    names: Names,
    ratios: tuple[float, float] = (1.0, 1.0),
    capacity: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    place = names.place(cluster)
    place.pop("clusterid", None), place.pop("clustername", None), place.pop("clustertype", None)
    return {
        "id": cluster.uuid,
        "name": cluster.name,
        **place,
        "hypervisortype": cluster.hypervisor,
        "clustertype": cluster.cluster_type,
        "allocationstate": cluster.allocation_state,
        "managedstate": cluster.managed_state,
        "arch": cluster.arch,
        "cpuovercommitratio": str(ratios[0]),
        "memoryovercommitratio": str(ratios[1]),
        "capacity": capacity,
        "hasannotations": False,
    }
