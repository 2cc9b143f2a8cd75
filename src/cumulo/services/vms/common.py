"""Small helpers shared by the VM lifecycle modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.drivers.base import PoolSpec
from cumulo.services import events

T = TypeVar("T")
# ``job.transaction``: run a function in a fresh, retried transaction.
Tx = Callable[[Callable[[Session], T]], T]


def vm_of(session: Session, vm_id: int) -> VMInstance:
    vm = session.get(VMInstance, vm_id)
    if vm is None:
        raise LookupError(f"VM {vm_id} vanished")
    return vm


def volumes_of(session: Session, vm_id: int) -> list[Volume]:
    return list(
        session.execute(
            select(Volume)
            .where(Volume.instance_id == vm_id, Volume.removed.is_(None))
            .order_by(Volume.device_id, Volume.id)
        ).scalars()
    )


def pool_spec(pool: StoragePool) -> PoolSpec:
    return PoolSpec(pool.uuid, pool.url, pool.pool_type, pool.capacity_bytes)


def pool_spec_json(pool: StoragePool) -> dict[str, Any]:
    return {"uuid": pool.uuid, "url": pool.url, "type": pool.pool_type, "cap": pool.capacity_bytes}


def spec_from_json(data: dict[str, Any]) -> PoolSpec:
    return PoolSpec(data["uuid"], data["url"], data["type"], data["cap"])


def vm_event(
    session: Session, caller: Caller, vm: VMInstance, kind: str, text: str, level: str = "INFO"
) -> None:
    events.record_for(session, caller, vm, "VirtualMachine", kind, f"{text}: {vm.name}", level)
