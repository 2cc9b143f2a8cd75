"""Volume operations. Database work here; driver calls happen between transactions.

A volume made by createVolume is only a row (Allocated) until it is attached
to a VM whose disks exist: then it is created on the pool of that VM's root
disk, as CloudStack does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.host import Host
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_CREATE_VOLUME
from cumulo.errors import InsufficientCapacity, InvalidParameter, ResourceInUse
from cumulo.services import events, limits, simulator_mocks, vm_snapshots
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.placement import capacity
from cumulo.services.resource_owner import Owner
from cumulo.services.states import volume as states
from cumulo.services.vms import charges
from cumulo.services.vms.common import pool_spec_json, spec_from_json
from cumulo.services.vms.start import _mj
from cumulo.services.volumes import uploads

GiB = 1024**3
MAX_DATA_DISKS = 14
ATTACH_REFUSED = "Unable to attach volume, please specify a VM that does not have VM snapshots"
DETACH_REFUSED = "Unable to detach volume, please specify a VM that does not have VM snapshots"
MIGRATE_REFUSED = (
    "Volume cannot be migrated, please remove all VM snapshots for VM to which this volume "
    "is attached"
)


def record(session: Session, caller: Caller, vol: Volume, kind: str, text: str) -> None:
    events.record_for(session, caller, vol, "Volume", kind, f"{text}: {vol.name}")


def size_for(offering: DiskOffering, size_gib: int | None) -> int:
    if offering.customized:
        if not size_gib or size_gib <= 0:
            raise InvalidParameter(
                f"Disk offering {offering.name} is custom sized; give size in GiB"
            )
        return size_gib * GiB
    if size_gib is not None and size_gib * GiB != offering.disk_size:
        raise InvalidParameter(f"Disk offering {offering.name} has a fixed size; do not pass size")
    return offering.disk_size


def create(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    owner: Owner,
    zone: Zone,
    offering: DiskOffering,
    size_gib: int | None,
    name: str | None,
) -> Volume:
    if offering.removed is not None or offering.state != "Active":
        raise InvalidParameter(f"Disk offering {offering.uuid} is not active")
    size = size_for(offering, size_gib)
    charges.charge_volume(session, config, owner.account_id, size)
    vol = Volume(
        name=name or "pending",
        volume_type="DATADISK",
        state=states.ALLOCATED,
        size=size,
        zone_id=zone.id,
        disk_offering_id=offering.id,
        provisioning_type=offering.provisioning_type,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    session.add(vol)
    session.flush()
    if name is None:
        vol.name = f"DATA-{vol.id}"
    record(session, caller, vol, "VOLUME.CREATE", "Created volume")
    return vol


def check_detached(vol: Volume, action: str) -> None:
    if vol.instance_id is not None:
        raise ResourceInUse(f"Volume {vol.name} is attached to a VM; detach it before {action}")


def begin_attach(
    session: Session, config: ConfigStore, vol: Volume, vm: VMInstance, device_id: int | None
) -> dict[str, Any] | None:
    """Validate, pick the device and, if the VM's disks exist, reserve room on their pool."""
    if vol.volume_type != "DATADISK" or vol.removed is not None:
        raise InvalidParameter(f"Volume {vol.name} is not a data disk that can be attached")
    check_detached(vol, "attaching it elsewhere")
    vm_snapshots.refuse_if_snapshots(session, vm.id, ATTACH_REFUSED)
    if vol.state not in (states.ALLOCATED, states.READY, states.UPLOADED):
        raise InvalidParameter(f"Volume {vol.name} is {vol.state}; it cannot be attached now")
    if vm.state not in ("Running", "Stopped"):
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; attach needs Running or Stopped")
    if vol.zone_id != vm.zone_id:
        raise InvalidParameter(f"Volume {vol.name} and VM {vm.name} are in different zones")
    if vol.account_id != vm.account_id:
        raise InvalidParameter(f"Volume {vol.name} belongs to another account than VM {vm.name}")
    used = set(
        session.execute(
            select(Volume.device_id).where(Volume.instance_id == vm.id, Volume.removed.is_(None))
        ).scalars()
    )
    if len(used) > MAX_DATA_DISKS:
        raise InvalidParameter(f"VM {vm.name} has the maximum number of data disks attached")
    if device_id is None:
        device_id = next(d for d in range(1, 64) if d not in used and d != 3)
    elif device_id in used or device_id <= 0:
        raise InvalidParameter(f"Device id {device_id} is in use or invalid on VM {vm.name}")
    root_pool = session.execute(
        select(Volume.pool_id).where(
            Volume.instance_id == vm.id, Volume.volume_type == "ROOT", Volume.removed.is_(None)
        )
    ).scalar()
    if vol.state == states.UPLOADED:
        uploads.to_primary(session, config, vol)
    states.STATE.apply(session, vol, "attach")
    vol.instance_id, vol.device_id = vm.id, device_id
    vol.attached = utcnow()
    if vol.pool_id is not None or root_pool is None:
        return None  # already created, or created with the VM's other disks on start
    if not capacity.reserve_pool(session, config, root_pool, vol.size):
        raise InsufficientCapacity(f"The VM's storage pool has no room for volume {vol.name}")
    pool = session.get(StoragePool, root_pool)
    host = session.get(Host, vm.host_id or vm.last_host_id or 0)
    assert pool is not None
    vol.pool_id = pool.id
    mock = simulator_mocks.take(session, COMMAND_CREATE_VOLUME, host) if host else None
    return {
        "pool": pool_spec_json(pool),
        "name": vol.name,
        "size": vol.size,
        "mock": _mj(mock),
        "hv": vm.hypervisor,
    }


def finish_attach(session: Session, caller: Caller, vol_id: int, path: str | None) -> None:
    vol = session.get(Volume, vol_id)
    assert vol is not None
    if path is not None:
        vol.path = path
    uploads.copied(session, vol)
    states.STATE.apply(session, vol, "attached")
    record(session, caller, vol, "VOLUME.ATTACH", "Attached volume")


def attach_failed(session: Session, vol_id: int) -> None:
    vol = session.get(Volume, vol_id)
    assert vol is not None
    if vol.pool_id is not None and vol.path is None:
        capacity.release_pool(session, vol.pool_id, vol.size)
        vol.pool_id = None
    vol.instance_id, vol.device_id, vol.attached = None, None, None
    if not uploads.attach_failed(session, vol):
        vol.state = states.ALLOCATED if vol.path is None else states.READY


def detach(session: Session, caller: Caller, vol: Volume) -> None:
    if vol.instance_id is None:
        raise InvalidParameter(f"Volume {vol.name} is not attached to a VM")
    if vol.volume_type == "ROOT":
        raise InvalidParameter("The ROOT volume cannot be detached")
    vm_snapshots.refuse_if_snapshots(session, vol.instance_id, DETACH_REFUSED)
    vm = session.get(VMInstance, vol.instance_id)
    if vm is not None and vm.state not in ("Running", "Stopped", "Destroyed"):
        raise InvalidParameter(f"VM {vm.name} is {vm.state}; detach needs Running or Stopped")
    vol.instance_id, vol.device_id, vol.attached = None, None, None
    vol.version += 1
    record(session, caller, vol, "VOLUME.DETACH", "Detached volume")


def resize(
    session: Session,
    config: ConfigStore,
    caller: Caller,
    vol: Volume,
    size_gib: int | None,
    offering: DiskOffering | None,
    shrink_ok: bool,
) -> None:
    if vol.state not in (states.READY, states.ALLOCATED):
        raise InvalidParameter(f"Volume {vol.name} is {vol.state}; it cannot be resized now")
    current = session.get(DiskOffering, vol.disk_offering_id) if vol.disk_offering_id else None
    if offering is not None:
        new = size_for(offering, size_gib)
    elif size_gib is not None:
        if current is not None and not current.customized and vol.volume_type != "ROOT":
            raise InvalidParameter(
                f"Volume {vol.name} has a fixed-size offering; pass a custom diskofferingid"
            )
        new = size_gib * GiB
    else:
        raise InvalidParameter("Give size (GiB) or diskofferingid to resize the volume")
    delta = new - vol.size
    if delta:
        vm_snapshots.refuse_if_snapshots(
            session,
            vol.instance_id,
            "A volume that is attached to a VM with any VM snapshots cannot be resized.",
        )
    if delta < 0 and not shrink_ok:
        raise InvalidParameter(
            f"Shrinking volume {vol.name} from {vol.size // GiB} to {new // GiB} GiB needs "
            "shrinkok=true"
        )
    if delta > 0:
        limits.consume(session, config, vol.account_id, ResourceType.PRIMARY_STORAGE, delta)
        if vol.pool_id is not None and not capacity.reserve_pool(
            session, config, vol.pool_id, delta
        ):
            raise InsufficientCapacity(f"Pool of volume {vol.name} has no room to grow it")
    elif delta < 0:
        limits.release(session, vol.account_id, ResourceType.PRIMARY_STORAGE, -delta)
        if vol.pool_id is not None:
            capacity.release_pool(session, vol.pool_id, -delta)
    vol.size = new
    if offering is not None:
        vol.disk_offering_id = offering.id
    vol.version += 1
    record(session, caller, vol, "VOLUME.RESIZE", "Resized volume")


def check_unprotected(vol: Volume) -> None:
    if vol.delete_protection:
        raise InvalidParameter(
            f"Volume {vol.name} has delete protection enabled and cannot be deleted; "
            "turn it off with updateVolume deleteprotection=false"
        )


def destroy(session: Session, caller: Caller, vol: Volume) -> None:
    check_detached(vol, "destroying it")
    check_unprotected(vol)
    states.STATE.apply(session, vol, "destroy", destroyed_at=utcnow())
    record(session, caller, vol, "VOLUME.DESTROY", "Destroyed volume")


def recover(session: Session, caller: Caller, vol: Volume) -> None:
    if vol.state != states.DESTROY:
        raise InvalidParameter(f"Volume {vol.name} is {vol.state}; only a destroyed one recovers")
    vol.state = states.READY if vol.path else states.ALLOCATED
    if not vol.path and uploads.copy_of(session, vol.id) is not None:
        vol.state = states.UPLOADED  # still on secondary storage
    vol.destroyed_at = None
    record(session, caller, vol, "VOLUME.RECOVER", "Recovered volume")


def expunge(session: Session, caller: Caller, vol: Volume) -> dict[str, Any] | None:
    """Remove the row and give everything back; the disk to delete on its pool, if any."""
    check_detached(vol, "deleting it")
    check_unprotected(vol)
    if vol.state in (states.UPLOAD_OP, states.UPLOAD_IN_PROGRESS):
        raise InvalidParameter("Please specify a volume that is not uploading")
    if vol.state in states.TRANSITIONAL:
        raise InvalidParameter(f"Volume {vol.name} is {vol.state}; wait for it to finish")
    disk = None
    if vol.pool_id is not None:
        pool = session.get(StoragePool, vol.pool_id)
        capacity.release_pool(session, vol.pool_id, vol.size)
        if pool is not None and vol.path:
            disk = {"pool": pool_spec_json(pool), "path": vol.path, "hv": pool.hypervisor}
    if not uploads.release(session, vol):  # still on secondary storage: charged there
        charges.release_volume(session, vol)
    vol.state = states.EXPUNGED
    vol.mark_removed()
    record(session, caller, vol, "VOLUME.DELETE", "Deleted volume")
    return disk


def destroy_disk(disk: dict[str, Any] | None) -> None:
    """Delete on its pool the disk ``expunge`` gave back (after its transaction)."""
    if disk is not None:
        driver = registry.driver_for(disk["hv"] or "Simulator")
        driver.destroy_volume(spec_from_json(disk["pool"]), disk["path"])


def check_target(vol: Volume, pool: StoragePool) -> None:
    """The volume is on a pool and may move to ``pool`` (431 otherwise)."""
    if pool.removed is not None or pool.status != "Up":
        raise InvalidParameter(f"Storage pool {pool.name} is not Up")
    if vol.pool_id is None or not vol.path:
        raise InvalidParameter(f"Volume {vol.name} is not on a pool yet; nothing to migrate")
    if vol.pool_id == pool.id:
        raise InvalidParameter(f"Volume {vol.name} is already on pool {pool.name}")
    if pool.zone_id != vol.zone_id:
        raise InvalidParameter(f"Pool {pool.name} is in another zone")


def reserve_move(
    session: Session, config: ConfigStore, vol: Volume, pool: StoragePool
) -> dict[str, Any]:
    """Reserve room on ``pool`` and mark the volume Migrating; the plan for the driver."""
    if not capacity.reserve_pool(session, config, pool.id, vol.size):
        raise InsufficientCapacity(f"Pool {pool.name} has no room for volume {vol.name}")
    src = session.get(StoragePool, vol.pool_id)
    assert src is not None
    states.STATE.apply(session, vol, "migrate")
    return {
        "vol_id": vol.id,
        "src": pool_spec_json(src),
        "dst": pool_spec_json(pool),
        "dst_id": pool.id,
        "path": vol.path,
        "name": vol.name,
        "size": vol.size,
        "hv": src.hypervisor or pool.hypervisor,
    }


def begin_migrate(
    session: Session, config: ConfigStore, vol: Volume, pool: StoragePool
) -> dict[str, Any]:
    check_target(vol, pool)
    vm_snapshots.refuse_if_snapshots(session, vol.instance_id, MIGRATE_REFUSED)
    if vol.instance_id is not None:
        vm = session.get(VMInstance, vol.instance_id)
        if vm is not None and vm.state != "Stopped":
            raise InvalidParameter(
                f"VM {vm.name} is {vm.state}; stop it to migrate its volume, or move the VM "
                "and its volumes together with migrateVirtualMachineWithVolume"
            )
    return reserve_move(session, config, vol, pool)


def finish_migrate(
    session: Session, caller: Caller, vol_id: int, plan: dict[str, Any], path: str | None
) -> None:
    vol = session.get(Volume, vol_id)
    assert vol is not None
    if path is None:
        capacity.release_pool(session, plan["dst_id"], vol.size)
        states.STATE.apply(session, vol, "migrate_failed")
        return
    assert vol.pool_id is not None
    capacity.release_pool(session, vol.pool_id, vol.size)
    vol.last_pool_id, vol.pool_id, vol.path = vol.pool_id, plan["dst_id"], path
    states.STATE.apply(session, vol, "migrated")
    record(session, caller, vol, "VOLUME.MIGRATE", "Migrated volume")


def count_volumes(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Volume.account_id, func.count())
        .where(Volume.account_id.in_(account_ids), Volume.removed.is_(None))
        .group_by(Volume.account_id)
    )
    return {a: int(n) for a, n in rows}


def bump_version(session: Session, vol_id: int) -> None:
    session.execute(update(Volume).where(Volume.id == vol_id).values(version=Volume.version + 1))


limits.COUNTERS[ResourceType.VOLUME] = count_volumes
