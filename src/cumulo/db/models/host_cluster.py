"""Clusters: hosts of one hypervisor type that share primary storage.

(``cluster.py`` holds the cluster of management servers; this is the
compute cluster of ``addCluster``.)
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Base, Entity, IdMixin, RemovableMixin


class Cluster(Entity, RemovableMixin):
    __tablename__ = "cluster"
    __table_args__ = (UniqueConstraint("pod_id", "name", "tombstone"),)

    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pod.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    hypervisor: Mapped[str] = mapped_column(String(32))
    # CloudManaged | ExternalManaged
    cluster_type: Mapped[str] = mapped_column(String(32), default="CloudManaged")
    # Enabled | Disabled
    allocation_state: Mapped[str] = mapped_column(String(32), default="Enabled")
    # Managed | Unmanaged | PrepareUnmanaged | PrepareUnmanagedError
    managed_state: Mapped[str] = mapped_column(String(32), default="Managed")
    arch: Mapped[str] = mapped_column(String(16), default="x86_64")


class ClusterDetail(Base, IdMixin):
    """Per-cluster settings, e.g. ``cpuOvercommitRatio`` / ``memoryOvercommitRatio``."""

    __tablename__ = "cluster_detail"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    cluster_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cluster.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(1024))
