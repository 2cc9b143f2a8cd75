"""Volumes uploaded from a URL: secondary storage first, primary storage on attach.

uploadVolume writes the volume (UploadOp) and its copy on an image store of
the zone (volume_store_ref, NOT_DOWNLOADED); ``template_downloads`` moves the
copy like a template's, and the volume becomes Uploaded (or UploadError).
Charges follow CloudStack: one volume at once, secondary storage for the
downloaded size when the copy completes (over the limit: UploadError), and
on the first attach the copy moves to primary storage: primary storage is
charged and secondary storage given back.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.volume import Volume
from cumulo.db.models.volume_store_ref import VolumeStoreRef
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter
from cumulo.services import limits, template_downloads
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import Owner
from cumulo.services.states import volume as states
from cumulo.services.templates import DOWNLOADED, ERROR, IN_PROGRESS, NOT_DOWNLOADED

# CloudStack's ImageFormat values a data volume can come in.
FORMATS = ("QCOW2", "RAW", "VHD", "VHDX", "OVA", "VMDK", "TAR")
ABANDONED, GONE = "ABANDONED", "Destroyed"
# Copies of browser uploads (getUploadParamsForVolume/Template/Iso) before they are DOWNLOADED.
NOT_UPLOADED, UPLOAD_IN_PROGRESS, UPLOAD_ERROR = (
    "NOT_UPLOADED",
    "UPLOAD_IN_PROGRESS",
    "UPLOAD_ERROR",
)
UPLOAD_STATUS = {
    NOT_UPLOADED: "Upload not started",
    UPLOAD_IN_PROGRESS: "Upload in progress",
    UPLOAD_ERROR: "Upload failed",
    ABANDONED: "Upload abandoned",
}


def check_format(fmt: str) -> str:
    kind = fmt.strip().upper()
    if kind not in FORMATS:
        raise InvalidParameter(
            f"Image format {fmt!r} is incorrect; use one of {', '.join(FORMATS)}"
        )
    return kind


def check_url(url: str, fmt: str) -> str:
    """CloudStack's checks: http(s) with a host, a path ending in the format's suffix."""
    kind = check_format(fmt)
    parsed = urlparse(url.strip())
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise InvalidParameter(f"Unsupported URL {url!r}: give an http or https URL")
    suffix = rf"\.{kind.lower()}(\.(gz|bz2|zip))?$"
    if not re.search(suffix, parsed.path.lower()):
        raise InvalidParameter(
            f"Please specify a valid URL. URL:{url} is an invalid for the format {kind.lower()}"
        )
    return kind


def pick_store(
    session: Session, zone: Zone, store_uuid: str | None, what: str = "the volume"
) -> ImageStore:
    stmt = select(ImageStore).where(
        ImageStore.zone_id == zone.id,
        ImageStore.removed.is_(None),
        ImageStore.role == "Image",
        ImageStore.readonly.is_(False),
    )
    if store_uuid:
        stmt = stmt.where(ImageStore.uuid == store_uuid.strip())
    store = session.execute(stmt.order_by(ImageStore.id)).scalars().first()
    if store is None:
        raise InvalidParameter(
            f"Image store {store_uuid} is not a writable store of zone {zone.name}"
            if store_uuid
            else f"Zone {zone.name} has no image store to upload {what} to"
        )
    return store


def register(
    session: Session,
    config: ConfigStore,
    owner: Owner,
    zone: Zone,
    name: str,
    url: str,
    fmt: str,
    offering: DiskOffering | None,
    checksum: str | None,
    store_uuid: str | None,
) -> Volume:
    """The volume (UploadOp) and its copy to download; one volume charged."""
    kind = check_url(url, fmt)
    vol, store = new_volume(session, config, owner, zone, name, kind, offering, store_uuid)
    states.STATE.apply(session, vol, "upload")
    session.add(
        VolumeStoreRef(
            volume_id=vol.id,
            store_id=store.id,
            zone_id=zone.id,
            url=url.strip(),
            checksum=checksum,
        )
    )
    session.flush()
    return vol


def new_volume(
    session: Session,
    config: ConfigStore,
    owner: Owner,
    zone: Zone,
    name: str,
    kind: str,
    offering: DiskOffering | None,
    store_uuid: str | None,
) -> tuple[Volume, ImageStore]:
    """An Allocated data volume to be uploaded, the store it goes to; one volume charged."""
    if zone.allocation_state == "Disabled":
        raise InvalidParameter(f"Zone {zone.name} is disabled; enable it to upload volumes")
    if offering is not None and (offering.removed is not None or not offering.customized):
        raise InvalidParameter(
            "The disk offering of an uploaded volume must be an active custom sized offering, "
            "since the size is only known once it is uploaded"
        )
    store = pick_store(session, zone, store_uuid)
    limits.consume(session, config, owner.account_id, ResourceType.VOLUME)
    vol = Volume(
        name=name.strip(),
        volume_type="DATADISK",
        state=states.ALLOCATED,
        size=0,
        zone_id=zone.id,
        disk_offering_id=offering.id if offering else None,
        format=kind,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    session.add(vol)
    session.flush()
    return vol, store


def copy_of(session: Session, vol_id: int) -> VolumeStoreRef | None:
    """The volume's live copy on secondary storage, if it has one."""
    return (
        session.execute(
            select(VolumeStoreRef)
            .where(VolumeStoreRef.volume_id == vol_id, VolumeStoreRef.state != GONE)
            .order_by(VolumeStoreRef.id.desc())
        )
        .scalars()
        .first()
    )


def status_of(session: Session, vol_ids: list[int]) -> dict[int, str]:
    """VolumeResponse ``status`` of uploaded volumes, as CloudStack words it."""
    if not vol_ids:
        return {}
    out: dict[int, str] = {}
    refs = session.execute(
        select(VolumeStoreRef)
        .where(VolumeStoreRef.volume_id.in_(vol_ids))
        .order_by(VolumeStoreRef.id)
    ).scalars()
    for ref in refs:
        if ref.download_state == DOWNLOADED:
            out[ref.volume_id] = "Download Complete"
        elif ref.download_state == ERROR:
            out[ref.volume_id] = ref.error_text or "Download Failed"
        elif ref.download_state == IN_PROGRESS:
            out[ref.volume_id] = f"{ref.download_pct}% Downloaded"
        elif ref.download_state == NOT_DOWNLOADED:
            out[ref.volume_id] = "Download pending"
        elif ref.download_state in UPLOAD_STATUS:
            out[ref.volume_id] = ref.error_text or UPLOAD_STATUS[ref.download_state]
    return out


def to_primary(session: Session, config: ConfigStore, vol: Volume) -> None:
    """First attach of an Uploaded volume: charge primary storage before it is copied."""
    limits.consume(session, config, vol.account_id, ResourceType.PRIMARY_STORAGE, vol.size)


def copied(session: Session, vol: Volume) -> None:
    """The attach went through: the secondary copy is given back (CloudStack drops it)."""
    ref = copy_of(session, vol.id)
    if ref is not None and ref.download_state == DOWNLOADED:
        limits.release(
            session, vol.account_id, ResourceType.SECONDARY_STORAGE, ref.physical_size or 0
        )
        ref.state = GONE


def attach_failed(session: Session, vol: Volume) -> bool:
    """A failed first attach: the volume stays Uploaded; False when it was not uploaded."""
    ref = copy_of(session, vol.id)
    if ref is None or ref.download_state != DOWNLOADED:
        return False
    limits.release(session, vol.account_id, ResourceType.PRIMARY_STORAGE, vol.size)
    vol.state = states.UPLOADED
    return True


def release(session: Session, vol: Volume) -> bool:
    """Deleting a volume still on secondary storage; False when it is on primary."""
    ref = copy_of(session, vol.id)
    if ref is None:
        return False
    limits.release(session, vol.account_id, ResourceType.VOLUME)
    if ref.download_state == DOWNLOADED:
        limits.release(
            session, vol.account_id, ResourceType.SECONDARY_STORAGE, ref.physical_size or 0
        )
    elif ref.download_state in (NOT_DOWNLOADED, IN_PROGRESS, NOT_UPLOADED):
        ref.download_state = ABANDONED  # the download loop leaves it alone from now on
    ref.state = GONE
    return True


# -- the download loop's view of volume_store_ref ---------------------------------------
def _pending(session: Session) -> list[tuple[Any, str, str]]:
    rows = session.execute(
        select(VolumeStoreRef, ImageStore)
        .join(ImageStore, ImageStore.id == VolumeStoreRef.store_id)
        .where(
            VolumeStoreRef.download_state.in_((NOT_DOWNLOADED, IN_PROGRESS)),
            VolumeStoreRef.state != GONE,
        )
        .order_by(VolumeStoreRef.id)
        .limit(50)
    ).all()
    return [(ref, ref.url, store.url or "") for ref, store in rows]


def _owner(session: Session, ref_id: int, size: int) -> int | None:
    ref = session.get(VolumeStoreRef, ref_id)
    vol = session.get(Volume, ref.volume_id) if ref else None
    if vol is None or vol.removed is not None:
        return None
    vol.size = size
    return vol.account_id


def _changed(session: Session, ref_id: int, values: dict[str, object]) -> None:
    ref = session.get(VolumeStoreRef, ref_id)
    vol = session.get(Volume, ref.volume_id) if ref else None
    if vol is None or vol.state != states.UPLOAD_OP:
        return
    if values.get("download_state") == DOWNLOADED:
        states.STATE.apply(session, vol, "uploaded")
    elif values.get("download_state") == ERROR:
        states.STATE.apply(session, vol, "upload_failed")


def secondary_bytes(session: Session, account_ids: list[int]) -> dict[int, int]:
    """Downloaded volume copies still on secondary storage, per account (updateResourceCount)."""
    rows = session.execute(
        select(Volume.account_id, func.coalesce(func.sum(VolumeStoreRef.physical_size), 0))
        .join(Volume, Volume.id == VolumeStoreRef.volume_id)
        .where(
            Volume.account_id.in_(account_ids),
            VolumeStoreRef.download_state == DOWNLOADED,
            VolumeStoreRef.state != GONE,
        )
        .group_by(Volume.account_id)
    )
    return {a: int(n or 0) for a, n in rows}


template_downloads.register(
    template_downloads.Source(VolumeStoreRef, _pending, _owner, _changed, noun="volume")
)
