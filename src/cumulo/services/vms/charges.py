"""Resource-limit charges of a VM and its volumes, taken and given back exactly once."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.services import limits
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType


def vm_amounts(vm: VMInstance) -> dict[int, int]:
    return {
        ResourceType.USER_VM: 1,
        ResourceType.CPU: vm.cpu_number,
        ResourceType.MEMORY: vm.memory_mb,
    }


def charge_vm(
    session: Session, config: ConfigStore, vm: VMInstance, volume_sizes: tuple[int, ...] = ()
) -> None:
    """Charge the VM (and, in the same statements, new volumes of these sizes)."""
    amounts = vm_amounts(vm)
    if volume_sizes:
        amounts[ResourceType.VOLUME] = len(volume_sizes)
        amounts[ResourceType.PRIMARY_STORAGE] = sum(volume_sizes)
    limits.consume_many(session, config, vm.account_id, amounts)


def release_vm(session: Session, vm: VMInstance) -> None:
    """Give back the VM's instance/cpu/memory counts, if it still holds them."""
    res = session.execute(
        update(VMInstance)
        .where(VMInstance.id == vm.id, VMInstance.limits_charged.is_(True))
        .values(limits_charged=False)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return
    limits.release_many(session, vm.account_id, vm_amounts(vm))
    session.refresh(vm)


def recharge_vm(session: Session, config: ConfigStore, vm: VMInstance) -> None:
    res = session.execute(
        update(VMInstance)
        .where(VMInstance.id == vm.id, VMInstance.limits_charged.is_(False))
        .values(limits_charged=True)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount == 1:  # type: ignore[attr-defined]
        charge_vm(session, config, vm)
        session.refresh(vm)


def charge_volume(session: Session, config: ConfigStore, account_id: int, size: int) -> None:
    amounts = {ResourceType.VOLUME: 1, ResourceType.PRIMARY_STORAGE: size}
    limits.consume_many(session, config, account_id, amounts)


def release_volume(session: Session, volume: Volume) -> None:
    amounts = {ResourceType.VOLUME: 1, ResourceType.PRIMARY_STORAGE: volume.size}
    limits.release_many(session, volume.account_id, amounts)


def _vm_usage(column):  # type: ignore[no-untyped-def]
    """updateResourceCount: live user VMs that still hold their charge, per account."""
    from sqlalchemy import func, select

    def count(session: Session, account_ids: list[int]) -> dict[int, int]:
        rows = session.execute(
            select(VMInstance.account_id, func.coalesce(func.sum(column), 0))
            .where(
                VMInstance.account_id.in_(account_ids),
                VMInstance.removed.is_(None),
                VMInstance.vm_type == "User",
                VMInstance.limits_charged.is_(True),
            )
            .group_by(VMInstance.account_id)
        )
        return {a: int(n) for a, n in rows}

    return count


def _storage_usage(session: Session, account_ids: list[int]) -> dict[int, int]:
    from sqlalchemy import func, select

    rows = session.execute(
        select(Volume.account_id, func.coalesce(func.sum(Volume.size), 0))
        .where(
            Volume.account_id.in_(account_ids),
            Volume.removed.is_(None),
            # Uploaded volumes not attached yet count against secondary storage.
            Volume.state.not_in(("UploadOp", "Uploaded", "UploadError")),
        )
        .group_by(Volume.account_id)
    )
    return {a: int(n) for a, n in rows}


limits.COUNTERS[ResourceType.USER_VM] = _vm_usage(1)
limits.COUNTERS[ResourceType.CPU] = _vm_usage(VMInstance.cpu_number)
limits.COUNTERS[ResourceType.MEMORY] = _vm_usage(VMInstance.memory_mb)
limits.COUNTERS[ResourceType.PRIMARY_STORAGE] = _storage_usage
