"""updateVolume (§6.8)."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.volumes import VOL, _result, owned_volume
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services.volumes import admin_update

S, U, B = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN


@command(
    "updateVolume",
    params=[
        Param("id", U, entity="Volume", description="the ID of the disk volume"),
        Param("name", S, since="4.16", description="new name of the volume"),
        Param("customid", S, since="4.4", description="a custom id for the volume"),
        Param("deleteprotection", B, since="4.20.0", description="refuse destroy and delete"),
        Param("displayvolume", B, description="show the volume to the end user (root admin)"),
        Param("path", S, description="the path of the volume (root admin)"),
        Param("chaininfo", S, since="4.4", description="the disk chain info (root admin)"),
        Param(
            "storageid",
            U,
            since="4.3",
            entity="StoragePool",
            description="the pool the volume is on (root admin)",
        ),
        Param("state", S, since="4.3", description="the state of the volume (root admin)"),
    ],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def update_volume(call: Call, args: Args) -> Enqueue:
    """Updates the volume."""
    if args.id is None:
        raise InvalidParameter("id is required: give the volume to update")
    vol = owned_volume(call, args.id)
    changes = admin_update.Changes(
        name=args.name,
        custom_id=args.customid,
        display=args.displayvolume,
        delete_protection=args.deleteprotection,
        path=args.path,
        chain_info=args.chaininfo,
        pool=args.storageid,
        state=args.state,
    )
    admin_update.update(call.db, call.caller, vol, changes)
    return Enqueue({"vol_id": vol.id}, instance_uuid=vol.uuid)


@update_volume.execute
def _update_volume(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    # Changed in the handler's transaction; the job answers with the volume.
    return _result(job, int(payload["vol_id"]))
