"""Browser (HTTP POST) uploads of volumes, templates and ISOs.

getUploadParamsFor* creates the resource NotUploaded with one copy on an image
store of the zone (``NOT_UPLOADED``) and a signed ticket (upload_tickets). The
POST to the ticket's URL moves the copy to ``UPLOAD_IN_PROGRESS`` (one POST
wins: a conditional UPDATE), the file streams to the store
(``http/upload.py``), and the copy ends ``DOWNLOADED`` (volume Uploaded,
template Active and ready; secondary storage charged) or ``UPLOAD_ERROR``.
A copy nobody posted within ``upload.operation.timeout`` is abandoned by the
sweep: the resource is UploadAbandoned and removed, its count given back.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.cluster import periodic
from cumulo.db.base import utcnow
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.volume import Volume
from cumulo.db.models.volume_store_ref import VolumeStoreRef
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, ResourceLimitExceeded
from cumulo.runtime import Runtime
from cumulo.services import events, limits, templates, upload_tickets
from cumulo.services.callers import caller_for_user
from cumulo.services.configuration import ConfigStore
from cumulo.services.image_files import parse_checksum
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import Owner
from cumulo.services.states import volume as vol_states
from cumulo.services.upload_tickets import Ticket, UploadRefused
from cumulo.services.volumes import ops, uploads
from cumulo.services.volumes.uploads import (
    ABANDONED,
    NOT_UPLOADED,
    UPLOAD_ERROR,
    UPLOAD_IN_PROGRESS,
)

GIB = 1024**3
SYSTEM_USER_ID = 1
# VMTemplate.state of uploads (CloudStack VirtualMachineTemplate.State).
T_NOT_UPLOADED, T_IN_PROGRESS = "NotUploaded", "UploadInProgress"
T_ERROR, T_ABANDONED, T_ACTIVE = "UploadError", "UploadAbandoned", "Active"
MODELS: dict[str, Any] = {"volume": VolumeStoreRef, "template": TemplateStoreRef}


def base_url(rt: Runtime) -> str:
    s = rt.settings
    return (s.upload_base_url or f"http://{s.service_ip}:{s.port}").rstrip("/")


def store_root(rt: Runtime, store_uuid: str) -> Path:
    """Where the simulated image store keeps its files on this node."""
    return rt.settings.data_dir / "image-stores" / store_uuid


def _ticket(
    rt: Runtime,
    kind: str,
    resource_uuid: str,
    ref: Any,
    store: ImageStore,
    fmt: str,
    checksum: str | None,
    max_gib: int,
) -> dict[str, str]:
    token = uuid.uuid4()
    folder = "volumes" if kind == "volume" else "template/tmpl"
    ref.install_path = f"{folder}/{resource_uuid}/{token}.{fmt.lower()}"
    post_url = f"{base_url(rt)}/upload/{token}"
    ticket = Ticket(
        kind,
        resource_uuid,
        ref.id,
        store.uuid,
        ref.install_path,
        fmt,
        checksum,
        max_gib * GIB,
        post_url,
    )
    minutes = rt.config.get_int("upload.operation.timeout")
    return upload_tickets.issue(rt.secrets, ticket, minutes)


def _check_checksum(checksum: str | None) -> None:
    try:
        parse_checksum(checksum)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None


def volume_params(
    session: Session,
    rt: Runtime,
    caller: Caller,
    owner: Owner,
    zone: Zone,
    name: str,
    fmt: str,
    offering: DiskOffering | None,
    checksum: str | None,
    store_uuid: str | None,
) -> dict[str, str]:
    """getUploadParamsForVolume: the volume NotUploaded, its copy, the ticket."""
    kind = uploads.check_format(fmt)
    _check_checksum(checksum)
    vol, store = uploads.new_volume(
        session, rt.config, owner, zone, name, kind, offering, store_uuid
    )
    vol_states.STATE.apply(session, vol, "post_upload")
    ref = VolumeStoreRef(
        volume_id=vol.id,
        store_id=store.id,
        zone_id=zone.id,
        url="",
        checksum=checksum,
        download_state=NOT_UPLOADED,
    )
    session.add(ref)
    session.flush()
    params = _ticket(
        rt,
        "volume",
        vol.uuid,
        ref,
        store,
        kind,
        checksum,
        rt.config.get_int("storage.max.volume.upload.size"),
    )
    ref.url = params["postURL"]
    ops.record(session, caller, vol, "VOLUME.UPLOAD", "Upload of volume requested")
    return params


def template_params(
    session: Session,
    rt: Runtime,
    caller: Caller,
    owner: Owner,
    zone: Zone,
    **fields: object,
) -> dict[str, str]:
    """getUploadParamsForTemplate/Iso: the template NotUploaded, its copy, the ticket."""
    if zone.removed is not None:
        raise InvalidParameter(f"Zone {zone.uuid} has been removed")
    _check_checksum(fields.get("checksum"))  # type: ignore[arg-type]
    store = uploads.pick_store(session, zone, None, "the template")
    template = templates.register(session, caller, rt.config, owner, [], url=None, **fields)
    template.state = T_NOT_UPLOADED
    ref = TemplateStoreRef(
        template_id=template.id, store_id=store.id, zone_id=zone.id, download_state=NOT_UPLOADED
    )
    session.add(ref)
    session.flush()
    return _ticket(
        rt,
        "template",
        template.uuid,
        ref,
        store,
        template.format,
        template.checksum,
        rt.config.get_int("max.template.iso.size"),
    )


def _owner_row(session: Session, ticket: Ticket) -> Any:
    model = Volume if ticket.kind == "volume" else VMTemplate
    return session.execute(select(model).where(model.uuid == ticket.resource_uuid)).scalar_one()


def start(session: Session, ticket: Ticket) -> None:
    """The POST arrived: claim the copy (one POST wins) or refuse with why."""
    model = MODELS[ticket.kind]
    moved = session.execute(
        update(model)
        .where(model.id == ticket.ref_id, model.download_state == NOT_UPLOADED)
        .values(download_state=UPLOAD_IN_PROGRESS, state="Creating")
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        ref = session.get(model, ticket.ref_id)
        now = ref.download_state if ref is not None else "deleted"
        raise UploadRefused(409, f"The {ticket.kind} is not waiting for an upload (it is {now})")
    row = _owner_row(session, ticket)
    if ticket.kind == "volume":
        vol_states.STATE.apply(session, row, "post_started")
    else:
        row.state = T_IN_PROGRESS


def finish(
    session: Session, config: ConfigStore, ticket: Ticket, stored: int, virtual: int
) -> None:
    """The file is on the store and checked: charge it, the resource is ready."""
    model = MODELS[ticket.kind]
    row = _owner_row(session, ticket)
    try:
        limits.consume(session, config, row.account_id, ResourceType.SECONDARY_STORAGE, stored)
    except ResourceLimitExceeded as exc:
        raise UploadRefused(413, str(exc)) from None
    moved = session.execute(
        update(model)
        .where(model.id == ticket.ref_id, model.download_state == UPLOAD_IN_PROGRESS)
        .values(
            download_state=templates.DOWNLOADED,
            download_pct=100,
            state="Ready",
            physical_size=stored,
            install_path=ticket.install_path,
            error_text=None,
        )
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise UploadRefused(410, f"The {ticket.kind} was deleted while it was uploaded")
    row.size = virtual
    if ticket.kind == "volume":
        vol_states.STATE.apply(session, row, "post_done")
    else:
        row.state = T_ACTIVE


def fail(session: Session, ticket: Ticket, text: str) -> None:
    """The upload went wrong after it started: the copy and resource show the error."""
    model = MODELS[ticket.kind]
    moved = session.execute(
        update(model)
        .where(model.id == ticket.ref_id, model.download_state == UPLOAD_IN_PROGRESS)
        .values(download_state=UPLOAD_ERROR, state="Allocated", error_text=text[:1024])
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return
    row = _owner_row(session, ticket)
    if ticket.kind == "volume":
        vol_states.STATE.try_apply(session, row, "upload_failed")
    else:
        row.state = T_ERROR


def sweep(rt: Runtime) -> int:
    """Abandon copies not posted within upload.operation.timeout; how many.

    Then delete this node's store files no live copy names any more (moved to primary
    storage, deleted, failed) and partial files nobody wrote to within the timeout.
    """
    minutes = rt.config.get_int("upload.operation.timeout")
    cutoff = utcnow() - timedelta(minutes=minutes)
    done = rt.db.run(lambda s: _abandon(s, cutoff, "volume") + _abandon(s, cutoff, "template"))
    _collect_files(rt, minutes * 60)
    return int(done)


def _collect_files(rt: Runtime, idle_seconds: float) -> int:
    """Delete unneeded files of the simulated stores on this node; how many."""
    root = rt.settings.data_dir / "image-stores"
    files = (p for p in root.rglob("*") if p.is_file()) if root.is_dir() else iter(())
    found = {p: p.relative_to(root) for p in files}
    if not found:
        return 0
    wanted = [str(Path(*rel.parts[1:])) for rel in found.values()]

    def live(session: Session) -> set[str]:
        paths: set[str] = set()
        for model in MODELS.values():
            for start in range(0, len(wanted), 500):  # IN lists of bounded length
                paths.update(
                    session.execute(
                        select(model.install_path).where(
                            model.install_path.in_(wanted[start : start + 500]),
                            model.download_state.in_((templates.DOWNLOADED, UPLOAD_IN_PROGRESS)),
                            model.state != uploads.GONE,
                        )
                    ).scalars()
                )
        return paths

    keep = rt.db.run(live, write=False)
    now, removed = time.time(), 0
    for path, rel in found.items():
        if path.suffix == ".part":
            stale = now - path.stat().st_mtime > idle_seconds
        else:
            stale = str(Path(*rel.parts[1:])) not in keep
        if stale:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _abandon(session: Session, cutoff: Any, kind: str) -> int:
    """Abandon one kind's timed-out copies; each claimed with a conditional UPDATE."""
    model = MODELS[kind]
    owner_col = model.volume_id if kind == "volume" else model.template_id
    refs = session.execute(
        select(model.id, owner_col)
        .where(model.download_state == NOT_UPLOADED, model.created < cutoff)
        .limit(100)
    ).all()
    done = 0
    for ref_id, owner_id in refs:
        row: Any = session.get(Volume if kind == "volume" else VMTemplate, owner_id)
        claimed = session.execute(
            update(model)
            .where(model.id == ref_id, model.download_state == NOT_UPLOADED)
            .values(download_state=ABANDONED, state=uploads.GONE)
        )
        if row is None or claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if kind == "volume":
            vol_states.STATE.try_apply(session, row, "post_abandoned")
            counted, event, noun = ResourceType.VOLUME, "VOLUME.DELETE", "Volume"
        else:
            row.state = T_ABANDONED
            counted, noun = ResourceType.TEMPLATE, "Template"
            event = "TEMPLATE.DELETE" if row.is_template else "ISO.DELETE"
        limits.release(session, row.account_id, counted)
        row.mark_removed()
        _system_event(session, event, f"Upload of {noun.lower()} {row.name}", row, noun)
        done += 1
    return done


def _system_event(session: Session, kind: str, what: str, row: Any, resource_type: str) -> None:
    found = caller_for_user(session, SYSTEM_USER_ID)
    if found is None:
        return
    events.record(
        session,
        found[0],
        kind,
        f"{what} abandoned: nothing was uploaded in time",
        resource_type=resource_type,
        resource_uuid=row.uuid,
        account_id=row.account_id,
        domain_id=row.domain_id,
        domain_path=row.domain_path,
    )


periodic.register(
    "upload-monitor", lambda rt: float(rt.config.get_int("upload.monitoring.interval")), sweep
)
