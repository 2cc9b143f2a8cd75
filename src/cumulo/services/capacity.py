"""Capacity of zones, pods and clusters, computed from the resources themselves.

Computed on demand with a handful of grouped aggregates (no per-row lookups),
so there is no capacity table to keep in sync across nodes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.db.models.guest_vlan import GuestVlanRange
from cumulo.db.models.guest_vnet import GuestVnet
from cumulo.db.models.host import Host
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.pod import Pod
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vlan import Vlan
from cumulo.services import ipranges
from cumulo.services.clusters import overcommit

MEMORY, CPU, STORAGE, STORAGE_ALLOCATED = 0, 1, 2, 3
PUBLIC_IP, PRIVATE_IP, SECONDARY_STORAGE, VLAN = 4, 5, 6, 7
DIRECT_PUBLIC_IP, LOCAL_STORAGE = 8, 9
NAMES = {
    MEMORY: "MEMORY",
    CPU: "CPU",
    STORAGE: "STORAGE",
    STORAGE_ALLOCATED: "STORAGE_ALLOCATED",
    PUBLIC_IP: "VIRTUAL_NETWORK_PUBLIC_IP",
    PRIVATE_IP: "PRIVATE_IP",
    SECONDARY_STORAGE: "SECONDARY_STORAGE",
    VLAN: "VLAN",
    DIRECT_PUBLIC_IP: "DIRECT_ATTACHED_PUBLIC_IP",
    LOCAL_STORAGE: "LOCAL_STORAGE",
}
# Shared storage may be allocated beyond its size (storage.overprovisioning.factor).
OVERPROVISIONING = 2.0


@dataclass
class Capacity:
    type: int
    zone_id: int
    pod_id: int | None
    cluster_id: int | None
    total: int = 0
    used: int = 0
    allocated: int | None = None


@dataclass(frozen=True)
class Where:
    zone_id: int | None = None
    pod_id: int | None = None
    cluster_id: int | None = None


def _filter(stmt, model, where: Where):  # type: ignore[no-untyped-def]
    if where.zone_id is not None:
        stmt = stmt.where(model.zone_id == where.zone_id)
    if where.pod_id is not None and hasattr(model, "pod_id"):
        stmt = stmt.where(model.pod_id == where.pod_id)
    if where.cluster_id is not None and hasattr(model, "cluster_id"):
        stmt = stmt.where(model.cluster_id == where.cluster_id)
    return stmt


def compute(session: Session, where: Where) -> list[Capacity]:
    out: list[Capacity] = []
    out += _host_capacity(session, where)
    out += _pool_capacity(session, where)
    if where.cluster_id is None:
        out += _ip_capacity(session, where)
        if where.pod_id is None:
            out += _zone_capacity(session, where)
    return out


def _host_capacity(session: Session, where: Where) -> list[Capacity]:
    stmt = _filter(
        select(
            Host.zone_id,
            Host.cluster_id,
            func.sum(Host.total_memory),
            func.sum(Host.memory_used),
            func.sum(Host.cpus * Host.speed),
            func.sum(Host.cpu_used_mhz),
        )
        .where(Host.removed.is_(None), Host.type == "Routing", Host.resource_state == "Enabled")
        .group_by(Host.zone_id, Host.cluster_id),
        Host,
        where,
    )
    rows = session.execute(stmt).all()
    ratios = overcommit(session, [r[1] for r in rows if r[1] is not None])
    zones: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for zone_id, cluster_id, mem, mem_used, cpu, cpu_used in rows:
        cpu_ratio, mem_ratio = ratios.get(cluster_id, (1.0, 1.0))
        z = zones[zone_id]
        # MariaDB's SUM of integers is a DECIMAL: int() before the float ratio.
        z[0] += int(int(mem or 0) * mem_ratio)
        z[1] += int(mem_used or 0)
        z[2] += int(int(cpu or 0) * cpu_ratio)
        z[3] += int(cpu_used or 0)
    out = []
    for zone_id, (mem, mem_used, cpu, cpu_used) in zones.items():
        out.append(Capacity(MEMORY, zone_id, where.pod_id, where.cluster_id, mem, mem_used))
        out.append(Capacity(CPU, zone_id, where.pod_id, where.cluster_id, cpu, cpu_used))
    return out


def _pool_capacity(session: Session, where: Where) -> list[Capacity]:
    stmt = _filter(
        select(
            StoragePool.zone_id,
            StoragePool.scope == "HOST",
            func.sum(StoragePool.capacity_bytes),
            func.sum(StoragePool.used_bytes),
            func.sum(StoragePool.allocated_bytes),
        )
        .where(StoragePool.removed.is_(None))
        .group_by(StoragePool.zone_id, StoragePool.scope == "HOST"),
        StoragePool,
        where,
    )
    shared: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    out = []
    for zone_id, local, total, used, allocated in session.execute(stmt).all():
        if local:
            out.append(
                Capacity(
                    LOCAL_STORAGE,
                    zone_id,
                    where.pod_id,
                    where.cluster_id,
                    int(total or 0),
                    int(used or 0),
                )
            )
            continue
        s = shared[zone_id]
        s[0] += int(total or 0)
        s[1] += int(used or 0)
        s[2] += int(allocated or 0)
    for zone_id, (total, used, allocated) in shared.items():
        out.append(Capacity(STORAGE, zone_id, where.pod_id, where.cluster_id, total, used))
        out.append(
            Capacity(
                STORAGE_ALLOCATED,
                zone_id,
                where.pod_id,
                where.cluster_id,
                int(total * OVERPROVISIONING),
                allocated,
            )
        )
    return out


def _ip_capacity(session: Session, where: Where) -> list[Capacity]:
    """Public ranges (zone) and pod reserved ranges (private IPs taken by hosts)."""
    out = []
    totals: dict[tuple[int, str], int] = defaultdict(int)
    ranges = _filter(select(Vlan.zone_id, Vlan.vlan_type, Vlan.start_ip, Vlan.end_ip), Vlan, where)
    for zone_id, vlan_type, start, end in session.execute(ranges).all():
        totals[(zone_id, vlan_type)] += ipranges.size(start, end)
    taken = _public_ips_taken(session, where)
    for (zone_id, vlan_type), total in totals.items():
        kind = PUBLIC_IP if vlan_type == "VirtualNetwork" else DIRECT_PUBLIC_IP
        used_ips = taken.get((zone_id, vlan_type), 0)
        out.append(Capacity(kind, zone_id, where.pod_id, None, total, used_ips))
    pods = select(Pod.id, Pod.zone_id, Pod.start_ip, Pod.end_ip).where(Pod.removed.is_(None))
    if where.zone_id is not None:
        pods = pods.where(Pod.zone_id == where.zone_id)
    if where.pod_id is not None:
        pods = pods.where(Pod.id == where.pod_id)
    pod_rows = session.execute(pods).all()
    used = dict(
        session.execute(
            select(Host.pod_id, func.count())
            .where(Host.removed.is_(None), Host.private_ip.is_not(None))
            .group_by(Host.pod_id)
        ).all()
    )
    for pod_id, zone_id, start, end in pod_rows:
        if start:
            out.append(
                Capacity(
                    PRIVATE_IP,
                    zone_id,
                    pod_id,
                    None,
                    ipranges.size(start, end),
                    int(used.get(pod_id, 0)),
                )
            )
    return out


def _public_ips_taken(session: Session, where: Where) -> dict[tuple[int, str], int]:
    """Allocated public addresses per (zone, range type)."""
    stmt = (
        select(PublicIp.zone_id, Vlan.vlan_type, func.count())
        .join(Vlan, Vlan.id == PublicIp.vlan_id)
        .where(PublicIp.removed.is_(None))
        .group_by(PublicIp.zone_id, Vlan.vlan_type)
    )
    if where.zone_id is not None:
        stmt = stmt.where(PublicIp.zone_id == where.zone_id)
    return {(z, t): int(n) for z, t, n in session.execute(stmt).all()}


def _zone_capacity(session: Session, where: Where) -> list[Capacity]:
    out = []
    stores = (
        select(
            ImageStore.zone_id, func.sum(ImageStore.total_bytes), func.sum(ImageStore.used_bytes)
        )
        .where(
            ImageStore.removed.is_(None),
            ImageStore.role == "Image",
            ImageStore.zone_id.is_not(None),
        )
        .group_by(ImageStore.zone_id)
    )
    if where.zone_id is not None:
        stores = stores.where(ImageStore.zone_id == where.zone_id)
    for zone_id, total, used in session.execute(stores).all():
        if zone_id is None:
            continue
        out.append(
            Capacity(SECONDARY_STORAGE, zone_id, None, None, int(total or 0), int(used or 0))
        )
    vnets = select(
        GuestVlanRange.zone_id, func.sum(GuestVlanRange.end - GuestVlanRange.start + 1)
    ).group_by(GuestVlanRange.zone_id)
    if where.zone_id is not None:
        vnets = vnets.where(GuestVlanRange.zone_id == where.zone_id)
    taken = dict(
        session.execute(
            select(GuestVnet.zone_id, func.count())
            .where(GuestVnet.removed.is_(None))
            .group_by(GuestVnet.zone_id)
        ).all()
    )
    for zone_id, total in session.execute(vnets).all():
        out.append(Capacity(VLAN, zone_id, None, None, int(total or 0), int(taken.get(zone_id, 0))))
    return out
