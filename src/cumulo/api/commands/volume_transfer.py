"""Volumes in and out of the cloud (§6.8): uploadVolume from a URL, extractVolume."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.volumes import VOL, owned_volume, volume_result
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import OWNER
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.template import extract_view
from cumulo.db.models.account import Account
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import templates
from cumulo.services.infra_common import live
from cumulo.services.resource_owner import resolve_owner
from cumulo.services.volumes import ops, uploads

S, U = ParamType.STRING, ParamType.UUID


@command(
    "uploadVolume",
    params=[
        Param("zoneid", U, required=True, entity="Zone", description="the zone to upload to"),
        Param("name", S, required=True, description="the name of the volume"),
        Param("url", S, required=True, length=2048, description="the URL to fetch the disk from"),
        Param(
            "format",
            S,
            required=True,
            description="the format of the volume: QCOW2, RAW, VHD, VHDX, OVA, VMDK or TAR",
        ),
        Param("diskofferingid", U, entity="DiskOffering", description="a custom disk offering"),
        Param("checksum", S, description="the checksum of the volume file"),
        Param("imagestoreuuid", S, description="the image store to upload to"),
        *OWNER,
    ],
    kind=Kind.ASYNC,
    **VOL,  # type: ignore[arg-type]
)
def upload_volume(call: Call, args: Args) -> Enqueue:
    """Uploads a data disk."""
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    vol = uploads.register(
        call.db,
        call.runtime.config,
        owner,
        live(args.zoneid, "zone"),
        args.name,
        args.url,
        args.format,
        args.diskofferingid,
        args.checksum,
        args.imagestoreuuid,
    )
    ops.record(call.db, call.caller, vol, "VOLUME.UPLOAD", "Upload of volume requested")
    return Enqueue({"vol_id": vol.id}, instance_uuid=vol.uuid)


@upload_volume.execute
def _upload(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    # The image store's download runs on its own (template_downloads); the job answers
    # the volume as it stands, UploadOp until the copy completes, as CloudStack does.
    vol_id = int(payload["vol_id"])
    return job.transaction(lambda s: volume_result(s, job.caller, vol_id), idempotent=True)


def check_extractable(call: Call, vol: Volume) -> None:
    """CloudStack's extractVolume checks, in its order."""
    if vol.pool_id is None or not vol.path:
        raise InvalidParameter("The volume doesn't belong to a storage pool so can't extract it")
    vm = call.db.get(VMInstance, vol.instance_id) if vol.instance_id else None
    if vm is not None and vm.state != "Stopped":
        raise PermissionDenied(
            "Invalid state of the volume with specified ID. It should be either detached or "
            "the VM should be in stopped state."
        )
    if vol.volume_type != "DATADISK" and vol.template_id is not None:
        template = call.db.get(VMTemplate, vol.template_id)
        allowed = template is not None and template.is_extractable
        if template is not None and template.template_type == "SYSTEM":
            allowed = False
        if not allowed and not call.caller.is_root_admin:
            raise PermissionDenied(
                "The volume with specified volumeId is not allowed to be extracted"
            )


@command(
    "extractVolume",
    params=[
        Param("id", U, required=True, entity="Volume", description="the ID of the volume"),
        Param("mode", S, required=True, description="HTTP_DOWNLOAD (FTP_UPLOAD not supported)"),
        Param("zoneid", U, required=True, entity="Zone", description="the zone of the volume"),
        Param("url", S, length=2048, description="the URL to upload to (FTP_UPLOAD only)"),
    ],
    kind=Kind.ASYNC,
    roles=ALL_ROLES,
    object_name="volume",
    response_class="ExtractResponse",
    instance_type="Volume",
)
def extract_volume(call: Call, args: Args) -> Enqueue:
    """Extracts volume"""
    vol = owned_volume(call, args.id)
    zone = live(args.zoneid, "zone")
    if zone.id != vol.zone_id:
        raise InvalidParameter(f"Volume {vol.name} is not in zone {zone.name}")
    check_extractable(call, vol)
    mode = templates.extract_mode(args.mode)
    return Enqueue({"vol_id": vol.id, "mode": mode}, instance_uuid=vol.uuid)


@extract_volume.execute
def _extract(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vol_id = int(payload["vol_id"])

    def work(s: Session) -> dict[str, Any]:
        vol = s.get(Volume, vol_id)
        zone = s.get(Zone, vol.zone_id) if vol else None
        if vol is None or zone is None or vol.removed is not None:
            raise InvalidParameter("The volume was deleted before its download link was made")
        base = templates.download_base(s, zone, job.runtime.config)
        # The SSVM serves a copy under a fresh name, so links of other volumes can't be guessed.
        url = f"{base}/userdata/{uuid.uuid4()}.{(vol.format or 'qcow2').lower()}"
        ops.record(s, job.caller, vol, "VOLUME.EXTRACT", "Download link created for volume")
        account = s.get(Account, vol.account_id)
        return extract_view(vol.uuid, vol.name, account, payload["mode"], url, zone)

    return ObjectResult(job.transaction(work))
