"""Storage-aware migration: pools a volume can move to, and moving a VM with its volumes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import owned_vm, result_tx
from cumulo.api.commands.volumes import owned_volume
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult
from cumulo.api.roles import ADMIN_ONLY
from cumulo.api.views.infra_names import Names
from cumulo.api.views.storage import storage_pool_view
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.volume import Volume
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services.infra_common import live
from cumulo.services.vms import storage_motion

U, B = ParamType.UUID, ParamType.BOOLEAN


@command(
    "findStoragePoolsForMigration",
    params=[Param("id", U, required=True, entity="Volume", description="the ID of the volume")],
    is_list=True,
    roles=ADMIN_ONLY,
    object_name="storagepool",
    response_class="StoragePoolResponse",
)
def find_pools(call: Call, args: Args) -> ListResult:
    """Lists storage pools available for migration of a volume."""
    vol = owned_volume(call, args.id)
    found = storage_motion.pools_for_volume(call.db, call.runtime.config, vol)
    if args.keyword:
        found = [(p, ok) for p, ok in found if args.keyword.lower() in p.name.lower()]
    names = Names.load(call.db, [p for p, _ in found])
    items = [storage_pool_view(p, names) | {"suitableformigration": ok} for p, ok in found]
    size = args.pagesize or len(items) or 1
    start = ((args.page or 1) - 1) * size
    return ListResult(items[start : start + size], len(items))


def _by_uuid(session: Session, model: Any, value: str, label: str) -> Any:
    row = session.execute(select(model).where(model.uuid == value)).scalar_one_or_none()
    if row is None or row.removed is not None:
        raise InvalidParameter(f"Unable to find {label} by id {value} given in migrateto")
    return row


def parse_moves(
    session: Session, raw: dict[int, dict[str, str]] | None
) -> dict[Volume, StoragePool]:
    """``migrateto[i].volume=<uuid>&migrateto[i].pool=<uuid>`` → {volume: pool}."""
    moves: dict[Volume, StoragePool] = {}
    for index, entry in sorted((raw or {}).items()):
        if not entry.get("volume") or not entry.get("pool"):
            raise InvalidParameter(
                f"migrateto[{index}] needs both volume and pool: "
                "migrateto[0].volume=<volume id>&migrateto[0].pool=<storage pool id>"
            )
        vol = _by_uuid(session, Volume, entry["volume"], "volume")
        if vol in moves:
            raise InvalidParameter(f"Volume {vol.uuid} appears twice in migrateto")
        moves[vol] = _by_uuid(session, StoragePool, entry["pool"], "storage pool")
    return moves


@command(
    "migrateVirtualMachineWithVolume",
    params=[
        Param("virtualmachineid", U, required=True, entity="VMInstance", description="the VM"),
        Param("hostid", U, entity="Host", description="destination host"),
        Param(
            "migrateto",
            ParamType.MAP,
            description="volume to pool: migrateto[0].volume=<uuid>&migrateto[0].pool=<uuid>",
        ),
        Param("autoselect", B, since="4.19.0", description="choose the destination host when none"),
    ],
    kind=Kind.ASYNC,
    roles=ADMIN_ONLY,
    object_name="virtualmachine",
    response_class="UserVmResponse",
    instance_type="VirtualMachine",
)
def migrate_with_volume(call: Call, args: Args) -> Enqueue:
    """Attempts Migration of a VM with its volumes to a different host"""
    vm = owned_vm(call, args.virtualmachineid)
    dest = live(args.hostid, "host") if args.hostid is not None else None
    moves = parse_moves(call.db, args.migrateto)
    storage_motion.validate(call.db, vm, dest, moves, bool(args.autoselect))
    payload = {
        "vm_id": vm.id,
        "dest": dest.id if dest is not None else None,
        "moves": {str(v.id): p.id for v, p in moves.items()},
    }
    return Enqueue(payload, instance_uuid=vm.uuid)


@migrate_with_volume.execute
def _migrate_with_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id, cfg = int(payload["vm_id"]), job.runtime.config
    moves = {int(k): int(v) for k, v in payload["moves"].items()}
    plan = job.transaction_step(
        "reserve", lambda s: storage_motion.reserve(s, cfg, vm_id, payload["dest"], moves)
    )
    storage_motion.run(job.transaction, job.caller, vm_id, plan)
    return result_tx(job, vm_id)


@migrate_with_volume.compensate
def _give_back(job: JobRun, payload: dict[str, Any]) -> str:
    """Interrupted: destination reservations go back, the VM keeps its host and pools."""
    plan = job.checkpoint.get("reserve")
    if plan is None:
        return "nothing was reserved yet"
    vm_id = int(payload["vm_id"])
    job.transaction(lambda s: storage_motion.abort(s, job.caller, vm_id, plan))
    return "the VM stays on its host and its volumes on their pools"
