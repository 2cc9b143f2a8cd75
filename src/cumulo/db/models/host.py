"""Hosts: hypervisors (Routing) and the system agents CloudStack also calls hosts.

Two independent state columns, as in CloudStack: ``status`` is what the agent
connection says (Connecting, Up, Alert, Down ...), ``resource_state`` is what
the operator asked for (Enabled, Disabled, maintenance states). Ownership by
a management node is a lease (``mgmt_server_msid`` + ``lease_expires``): the
owner pings the host and renews the lease; when the owner dies the lease runs
out and a survivor takes the host over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cumulo.db.base import Entity, RemovableMixin, UTCDateTime


class Host(Entity, RemovableMixin):
    __tablename__ = "host"
    __table_args__ = (
        UniqueConstraint("guid", "tombstone"),
        # Two hosts added at once cannot get the same pod address.
        UniqueConstraint("pod_id", "private_ip", "tombstone"),
        Index("ix_host_owner", "mgmt_server_msid", "status"),
        # Admin lists walk this index in id order and count and keyword-match on it alone
        # (docs/benchmarks-scale.md): no sort, no table rows for the rows skipped or counted.
        Index("ix_host_list", "type", "removed", "id", "name"),
    )

    name: Mapped[str] = mapped_column(String(255), index=True)
    # Routing | SecondaryStorageVM | ConsoleProxy | Storage | ...
    type: Mapped[str] = mapped_column(String(32), default="Routing")
    status: Mapped[str] = mapped_column(String(32), default="Connecting", index=True)
    resource_state: Mapped[str] = mapped_column(String(32), default="Enabled")
    hypervisor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hypervisor_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pod.id"), nullable=True, index=True)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("cluster.id"), nullable=True, index=True
    )
    # Identity the hypervisor reports; re-adding the same host is refused.
    guid: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Encrypted with the cluster key.
    password: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    private_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    private_netmask: Mapped[str | None] = mapped_column(String(64), nullable=True)
    arch: Mapped[str] = mapped_column(String(16), default="x86_64")
    cpu_sockets: Mapped[int] = mapped_column(Integer, default=1)
    cpus: Mapped[int] = mapped_column(Integer, default=0)
    speed: Mapped[int] = mapped_column(Integer, default=0)  # MHz per core
    total_memory: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes
    local_storage: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes, 0 = none
    # What VMs placed on the host reserve (kept by the VM services).
    cpu_allocated: Mapped[int] = mapped_column(BigInteger, default=0)  # MHz
    memory_allocated: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes
    # What the hypervisor last reported as in use.
    cpu_used_mhz: Mapped[int] = mapped_column(BigInteger, default=0)
    memory_used: Mapped[int] = mapped_column(BigInteger, default=0)
    tags: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    annotation: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Ownership lease (see module docstring).
    mgmt_server_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_mgmt_server_msid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_pinged: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Consecutive failed checks; the host goes Alert, then Down.
    failed_pings: Mapped[int] = mapped_column(Integer, default=0)
    disconnected: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
