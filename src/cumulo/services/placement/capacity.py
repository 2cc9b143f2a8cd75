"""Reserving host and pool capacity with conditional UPDATEs.

A reservation succeeds only if the counter plus the request still fits under
the (over-provisioned) total at the moment of the UPDATE, so concurrent
deployments on any node can never overcommit a host: the loser's UPDATE
matches no row and it tries the next candidate. No lock is held beyond the
transaction that also records the VM's host.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, case, literal, update
from sqlalchemy.orm import Session

from cumulo.db.models.host import Host
from cumulo.db.models.storage_pool import StoragePool
from cumulo.services.configuration import ConfigStore

CPU_FACTOR = "cpu.overprovisioning.factor"
MEM_FACTOR = "mem.overprovisioning.factor"
STORAGE_FACTOR = "storage.overprovisioning.factor"


def factor(
    config: ConfigStore,
    name: str,
    column: SQLColumnExpression[int] | SQLColumnExpression[int | None],
) -> ColumnElement[float]:
    """The setting as a SQL expression: per-scope overrides, else the global value."""
    default = float(config.get(name))
    scope = "StoragePool" if name == STORAGE_FACTOR else "Cluster"
    overrides = config.scoped(name, scope)
    if not overrides:
        return literal(default)
    return case(*[(column == sid, float(v)) for sid, v in overrides.items()], else_=default)


def host_fits(config: ConfigStore, cpu_mhz: int, memory: int) -> list[ColumnElement[bool]]:
    cpu_total = Host.cpus * Host.speed * factor(config, CPU_FACTOR, Host.cluster_id)
    mem_total = Host.total_memory * factor(config, MEM_FACTOR, Host.cluster_id)
    return [
        Host.cpu_allocated + cpu_mhz <= cpu_total,
        Host.memory_allocated + memory <= mem_total,
    ]


def host_usable() -> list[ColumnElement[bool]]:
    return [
        Host.status == "Up",
        Host.resource_state == "Enabled",
        Host.removed.is_(None),
        Host.type == "Routing",
    ]


def reserve_host(
    session: Session, config: ConfigStore, host_id: int, cpu_mhz: int, memory: int
) -> bool:
    res = session.execute(
        update(Host)
        .where(Host.id == host_id, *host_usable(), *host_fits(config, cpu_mhz, memory))
        .values(
            cpu_allocated=Host.cpu_allocated + cpu_mhz,
            memory_allocated=Host.memory_allocated + memory,
        )
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def reserve_host_forced(session: Session, host_id: int, cpu_mhz: int, memory: int) -> None:
    """Count a VM that is already on the host (migration target chosen by an admin)."""
    session.execute(
        update(Host)
        .where(Host.id == host_id)
        .values(
            cpu_allocated=Host.cpu_allocated + cpu_mhz,
            memory_allocated=Host.memory_allocated + memory,
        )
        .execution_options(synchronize_session=False)
    )


def release_host(session: Session, host_id: int, cpu_mhz: int, memory: int) -> None:
    session.execute(
        update(Host)
        .where(Host.id == host_id)
        .values(
            cpu_allocated=case(
                (Host.cpu_allocated >= cpu_mhz, Host.cpu_allocated - cpu_mhz), else_=0
            ),
            memory_allocated=case(
                (Host.memory_allocated >= memory, Host.memory_allocated - memory), else_=0
            ),
        )
        .execution_options(synchronize_session=False)
    )


def pool_fits(config: ConfigStore, size: int) -> ColumnElement[bool]:
    total = StoragePool.capacity_bytes * factor(config, STORAGE_FACTOR, StoragePool.id)
    return StoragePool.allocated_bytes + size <= total


def reserve_pool(session: Session, config: ConfigStore, pool_id: int, size: int) -> bool:
    res = session.execute(
        update(StoragePool)
        .where(
            StoragePool.id == pool_id,
            StoragePool.status == "Up",
            StoragePool.removed.is_(None),
            pool_fits(config, size),
        )
        .values(allocated_bytes=StoragePool.allocated_bytes + size)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def reserve_pool_forced(session: Session, pool_id: int, size: int) -> None:
    """Count a volume that is already on the pool (an admin correcting the record)."""
    session.execute(
        update(StoragePool)
        .where(StoragePool.id == pool_id)
        .values(allocated_bytes=StoragePool.allocated_bytes + size)
        .execution_options(synchronize_session=False)
    )


def release_pool(session: Session, pool_id: int, size: int) -> None:
    session.execute(
        update(StoragePool)
        .where(StoragePool.id == pool_id)
        .values(
            allocated_bytes=case(
                (StoragePool.allocated_bytes >= size, StoragePool.allocated_bytes - size),
                else_=0,
            )
        )
        .execution_options(synchronize_session=False)
    )
