"""Batch lookup of the zone / pod / cluster a listed resource belongs to (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.zone import Zone


@dataclass
class Names:
    """``{id: (uuid, name)}`` per parent kind."""

    zones: dict[int, tuple[str, str]] = field(default_factory=dict)
    pods: dict[int, tuple[str, str]] = field(default_factory=dict)
    clusters: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, rows: Iterable[Any]) -> Names:
        rows = list(rows)
        zone_ids = {r.zone_id for r in rows if getattr(r, "zone_id", None)}
        pod_ids = {r.pod_id for r in rows if getattr(r, "pod_id", None)}
        cluster_ids = {r.cluster_id for r in rows if getattr(r, "cluster_id", None)}
        names = cls()
        if zone_ids:
            for i, u, n in session.execute(
                select(Zone.id, Zone.uuid, Zone.name).where(Zone.id.in_(zone_ids))
            ):
                names.zones[i] = (u, n)
        if pod_ids:
            for i, u, n in session.execute(
                select(Pod.id, Pod.uuid, Pod.name).where(Pod.id.in_(pod_ids))
            ):
                names.pods[i] = (u, n)
        if cluster_ids:
            for i, u, n, t in session.execute(
                select(Cluster.id, Cluster.uuid, Cluster.name, Cluster.cluster_type).where(
                    Cluster.id.in_(cluster_ids)
                )
            ):
                names.clusters[i] = (u, n, t)
        return names

    def place(self, row: Any) -> dict[str, Any]:
        """zoneid/zonename/podid/podname/clusterid/clustername of a row."""
        out: dict[str, Any] = {}
        z = self.zones.get(getattr(row, "zone_id", None) or 0)
        if z:
            out["zoneid"], out["zonename"] = z
        p = self.pods.get(getattr(row, "pod_id", None) or 0)
        if p:
            out["podid"], out["podname"] = p
        c = self.clusters.get(getattr(row, "cluster_id", None) or 0)
        if c:
            out["clusterid"], out["clustername"], out["clustertype"] = c
        return out


def percent(used: float, total: float) -> str:
    return f"{(used / total * 100) if total else 0:.2f}%"
