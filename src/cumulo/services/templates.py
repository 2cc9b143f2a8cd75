"""Templates and ISOs: registration, per-zone copies, deletion.

A template is one ``vm_template`` row; each zone that holds it has one
``template_store_ref`` per image store, which the download task moves from
NOT_DOWNLOADED through DOWNLOAD_IN_PROGRESS to DOWNLOADED (or DOWNLOAD_ERROR).
A cross-zone template (``zoneid=-1``) gets a copy on every zone's image
store, including zones that get a store later.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.guest_os import GuestOs
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, PermissionDenied, ResourceInUse
from cumulo.services import events, limits
from cumulo.services.configuration import ConfigStore
from cumulo.services.limits import ResourceType
from cumulo.services.resource_owner import Owner

FORMATS = ("QCOW2", "RAW", "VHD", "VHDX", "OVA", "ISO", "VMDK", "BAREMETAL", "TAR", "ZIP")
HYPERVISORS = ("Simulator", "KVM", "XenServer", "VMware", "Hyperv", "LXC", "BareMetal", "Ovm3")
DOWNLOADED, IN_PROGRESS, ERROR = "DOWNLOADED", "DOWNLOAD_IN_PROGRESS", "DOWNLOAD_ERROR"
NOT_DOWNLOADED = "NOT_DOWNLOADED"


def check_url(url: str, fmt: str) -> None:
    """CloudStack refuses anything but http(s) and a file name matching the format."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidParameter(
            f"Unsupported URL {url!r}: templates and ISOs are downloaded over http:// or https://"
        )
    path = parts.path.lower()
    known = (".qcow2", ".raw", ".img", ".vhd", ".vhdx", ".ova", ".iso", ".vmdk", ".tar", ".zip")
    suffixes = (".gz", ".bz2", ".zip", ".xz")
    stem = path
    for s in suffixes:
        if stem.endswith(s):
            stem = stem[: -len(s)]
    if fmt == "ISO" and not stem.endswith(".iso"):
        raise InvalidParameter(f"Please specify a valid iso: {url} does not end in .iso")
    if fmt != "ISO" and any(stem.endswith(k) for k in known):
        wanted = {"QCOW2": ".qcow2", "VHD": ".vhd", "VHDX": ".vhdx", "OVA": ".ova"}.get(fmt)
        if wanted and not stem.endswith(wanted) and not stem.endswith(".img"):
            raise InvalidParameter(
                f"Please specify a valid URL: {url} is not a {fmt} file (expected *{wanted})"
            )


def normalise_format(fmt: str) -> str:
    value = fmt.strip().upper()
    if value not in FORMATS:
        raise InvalidParameter(f"Invalid format {fmt!r}; supported: {', '.join(FORMATS)}")
    return value


def normalise_hypervisor(name: str) -> str:
    for h in HYPERVISORS:
        if h.lower() == name.strip().lower():
            return h
    raise InvalidParameter(f"Invalid hypervisor {name!r}; supported: {', '.join(HYPERVISORS)}")


def zone_stores(session: Session, zone_id: int) -> list[ImageStore]:
    return list(
        session.execute(
            select(ImageStore).where(
                ImageStore.zone_id == zone_id,
                ImageStore.role == "Image",
                ImageStore.removed.is_(None),
            )
        ).scalars()
    )


def add_copies(session: Session, template: VMTemplate, zone: Zone, state: str) -> int:
    """A store ref on every image store of the zone that lacks one; returns how many."""
    have = set(
        session.execute(
            select(TemplateStoreRef.store_id).where(TemplateStoreRef.template_id == template.id)
        ).scalars()
    )
    added = 0
    for store in zone_stores(session, zone.id):
        if store.id in have:
            continue
        ready = state == DOWNLOADED
        session.add(
            TemplateStoreRef(
                template_id=template.id,
                store_id=store.id,
                zone_id=zone.id,
                download_state=state,
                download_pct=100 if ready else 0,
                state="Ready" if ready else "Allocated",
                physical_size=template.size if ready else None,
                install_path=f"template/tmpl/{template.id}" if ready else None,
            )
        )
        added += 1
    session.flush()
    return added


def register(
    session: Session,
    caller: Caller,
    config: ConfigStore,
    owner: Owner,
    zones: list[Zone] | None,
    **fields: object,
) -> VMTemplate:
    """A new template or ISO owned by ``owner``; ``zones=None`` means cross-zone."""
    fmt = str(fields["format"])
    if fields.get("url") is not None:  # None: a browser upload (getUploadParamsForTemplate)
        check_url(str(fields["url"]), fmt)
    if fields.get("is_featured") and not caller.is_root_admin:
        raise PermissionDenied("Only root admins may register featured templates")
    limits.consume(session, config, owner.account_id, ResourceType.TEMPLATE)
    template = VMTemplate(
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        cross_zones=zones is None,
        **fields,
    )
    session.add(template)
    session.flush()
    targets = zones if zones is not None else live_zones(session)
    for zone in targets:
        if zone.removed is not None:
            raise InvalidParameter(f"Zone {zone.uuid} has been removed")
        if not zone_stores(session, zone.id):
            raise InvalidParameter(
                f"Zone {zone.name} has no image store (secondary storage); add one with "
                "addImageStore before registering templates there"
            )
        add_copies(session, template, zone, NOT_DOWNLOADED)
    kind = "TEMPLATE" if template.is_template else "ISO"
    events.record(
        session,
        caller,
        f"{kind}.CREATE",
        f"{'Template' if template.is_template else 'ISO'} {template.name} registered",
        resource_type="Template" if template.is_template else "Iso",
        resource_uuid=template.uuid,
    )
    return template


def live_zones(session: Session) -> list[Zone]:
    return list(session.execute(select(Zone).where(Zone.removed.is_(None))).scalars())


def guest_os(session: Session, row: GuestOs | None, template: bool) -> GuestOs | None:
    if row is not None and row.removed is not None:
        raise InvalidParameter(f"Guest OS {row.uuid} has been removed")
    return row


def check_owner_access(caller: Caller, template: VMTemplate) -> None:
    """Changing a template is for its owner, or an admin over the owner's domain."""
    if template.account_id == caller.account_id:
        return
    if caller.is_admin and caller.can_see_domain_path(template.domain_path):
        return
    raise PermissionDenied(f"Account {caller.account_name} does not own template {template.uuid}")


def vms_using(session: Session, template: VMTemplate, zone_id: int | None) -> int:
    stmt = select(func.count(VMInstance.id)).where(
        VMInstance.removed.is_(None),
        VMInstance.state.not_in(("Destroyed", "Expunging")),
        (VMInstance.template_id == template.id) | (VMInstance.iso_id == template.id),
    )
    if zone_id is not None:
        stmt = stmt.where(VMInstance.zone_id == zone_id)
    return int(session.execute(stmt).scalar_one())


def delete(
    session: Session, caller: Caller, template: VMTemplate, zone: Zone | None, forced: bool
) -> None:
    """Drop the copies in ``zone`` (or everywhere); the template goes with its last copy."""
    if template.removed is not None:
        raise InvalidParameter(f"Template {template.uuid} has already been deleted")
    check_owner_access(caller, template)
    if template.template_type == "SYSTEM" and not forced:
        raise InvalidParameter(
            "The system VM template can't be deleted: system VMs are created from it"
        )
    in_use = vms_using(session, template, zone.id if zone else None)
    if in_use and not forced:
        raise ResourceInUse(
            f"Template {template.name} is used by {in_use} VM(s); destroy them first "
            "or delete with forced=true"
        )
    refs = select(TemplateStoreRef).where(TemplateStoreRef.template_id == template.id)
    if zone is not None:
        refs = refs.where(TemplateStoreRef.zone_id == zone.id)
    found = list(session.execute(refs).scalars())
    if zone is not None and not found:
        raise InvalidParameter(f"Template {template.name} is not in zone {zone.name}")
    for ref in found:
        if ref.download_state == DOWNLOADED and template.template_type not in ("BUILTIN", "SYSTEM"):
            size = ref.physical_size or 0
            limits.release(session, template.account_id, ResourceType.SECONDARY_STORAGE, size)
        session.delete(ref)
    session.flush()
    left = session.execute(
        select(func.count(TemplateStoreRef.id)).where(TemplateStoreRef.template_id == template.id)
    ).scalar_one()
    if not left:
        template.mark_removed()
        limits.release(session, template.account_id, ResourceType.TEMPLATE)
    kind = "TEMPLATE" if template.is_template else "ISO"
    events.record(
        session,
        caller,
        f"{kind}.DELETE",
        f"{template.name} deleted" + (f" from zone {zone.name}" if zone else ""),
        resource_type="Template" if template.is_template else "Iso",
        resource_uuid=template.uuid,
    )


def copy(
    session: Session, caller: Caller, template: VMTemplate, source: Zone | None, dests: list[Zone]
) -> None:
    """Queue copies to other zones (downloaded from the source URL by the store)."""
    if template.removed is not None:
        raise InvalidParameter(f"Template {template.uuid} has been deleted")
    if template.cross_zones and template.template_type != "SYSTEM":
        raise InvalidParameter(f"{template.name} is cross-zone: it is in every zone already")
    if source is not None:
        ready = session.execute(
            select(TemplateStoreRef.id).where(
                TemplateStoreRef.template_id == template.id,
                TemplateStoreRef.zone_id == source.id,
                TemplateStoreRef.download_state == DOWNLOADED,
            )
        ).first()
        if ready is None:
            raise InvalidParameter(
                f"Template {template.name} is not ready in source zone {source.name}"
            )
    for dest in dests:
        if source is not None and dest.id == source.id:
            raise InvalidParameter("The source and destination zones are the same")
        if not zone_stores(session, dest.id):
            raise InvalidParameter(f"Zone {dest.name} has no image store to copy the template to")
        # A failed earlier copy is retried from scratch.
        for ref in session.execute(
            select(TemplateStoreRef).where(
                TemplateStoreRef.template_id == template.id,
                TemplateStoreRef.zone_id == dest.id,
                TemplateStoreRef.download_state == ERROR,
            )
        ).scalars():
            ref.download_state, ref.download_pct, ref.error_text = NOT_DOWNLOADED, 0, None
        add_copies(session, template, dest, NOT_DOWNLOADED)


def ready_copy(session: Session, template: VMTemplate, zone: Zone | None) -> TemplateStoreRef:
    stmt = select(TemplateStoreRef).where(
        TemplateStoreRef.template_id == template.id, TemplateStoreRef.download_state == DOWNLOADED
    )
    if zone is not None:
        stmt = stmt.where(TemplateStoreRef.zone_id == zone.id)
    ref = session.execute(stmt.order_by(TemplateStoreRef.id)).scalars().first()
    if ref is None:
        where = f" in zone {zone.name}" if zone else ""
        raise InvalidParameter(f"{template.name} is not downloaded{where} yet; try again later")
    return ref


def download_host(ip: str, cert_domain: str) -> str:
    """The host name of a download link, per ``secstorage.ssl.cert.domain``."""
    domain = cert_domain.strip()
    if not domain:
        return ip
    if domain.startswith("*."):
        return f"{ip.replace('.', '-')}.{domain[2:]}"
    return domain


def extract_url(
    session: Session,
    template: VMTemplate,
    ref_id: int,
    config: ConfigStore,
) -> tuple[TemplateStoreRef, Zone, str]:
    """The download link the zone's secondary storage VM serves the copy under."""

    ref = session.get(TemplateStoreRef, ref_id)
    if ref is None or ref.download_state != DOWNLOADED:
        raise InvalidParameter(f"{template.name} is no longer on the image store")
    zone = session.get(Zone, ref.zone_id)
    assert zone is not None
    ext = "iso" if not template.is_template else template.format.lower()
    return ref, zone, f"{download_base(session, zone, config)}/userdata/{template.uuid}.{ext}"


def extract_mode(mode: str | None) -> str:
    """extract* commands: HTTP_DOWNLOAD is served; FTP_UPLOAD is refused."""
    kind = (mode or "").strip().upper()
    if kind not in ("HTTP_DOWNLOAD", "FTP_UPLOAD"):
        raise InvalidParameter("mode must be HTTP_DOWNLOAD or FTP_UPLOAD")
    if kind == "FTP_UPLOAD":
        raise InvalidParameter("FTP_UPLOAD is not supported; use mode=HTTP_DOWNLOAD")
    return kind


def download_base(session: Session, zone: Zone, config: ConfigStore) -> str:
    """``scheme://host`` of the download links the zone's secondary storage VM serves."""
    from cumulo.db.models.vm import VMInstance, VmType

    ssvm = (
        session.execute(
            select(VMInstance).where(
                VMInstance.zone_id == zone.id,
                VMInstance.vm_type == VmType.SECONDARY_STORAGE,
                VMInstance.state == "Running",
                VMInstance.removed.is_(None),
            )
        )
        .scalars()
        .first()
    )
    if ssvm is None:
        raise InvalidParameter(
            f"Zone {zone.name} has no running secondary storage VM to serve the download"
        )
    host = download_host(
        ssvm.public_ip or ssvm.private_ip or "", config.get("secstorage.ssl.cert.domain") or ""
    )
    scheme = "https" if config.get_bool("secstorage.encrypt.copy") else "http"
    return f"{scheme}://{host}"


def create_from_volume(
    session: Session,
    caller: Caller,
    config: ConfigStore,
    owner: Owner,
    volume: Volume,
    **fields: object,
) -> VMTemplate:
    """The template row of createTemplate; its copy appears when the job has run."""
    from cumulo.db.models.vm import VMInstance

    if volume.removed is not None:
        raise InvalidParameter("The volume has been removed")
    if volume.state != "Ready":
        raise InvalidParameter(f"Volume is {volume.state}; it must be Ready")
    vm_id = volume.instance_id
    if vm_id is not None:
        vm = session.get(VMInstance, vm_id)
        if vm is not None and vm.state != "Stopped":
            raise InvalidParameter(
                f"The VM {vm.name} using the volume is {vm.state}; stop it first"
            )
    if volume.account_id != caller.account_id and not caller.is_admin:
        raise PermissionDenied("The volume belongs to another account")
    if not zone_stores(session, volume.zone_id):
        raise InvalidParameter("The volume's zone has no image store to keep the template")
    if fields.get("is_featured") and not caller.is_root_admin:
        raise PermissionDenied("Only root admins may create featured templates")
    limits.consume(session, config, owner.account_id, ResourceType.TEMPLATE)
    base = session.get(VMTemplate, volume.template_id) if volume.template_id else None
    template = VMTemplate(
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        format=volume.format or (base.format if base else "QCOW2"),
        hypervisor=base.hypervisor if base else "Simulator",
        source_volume_id=volume.id,
        state="Inactive",
        **fields,
    )
    session.add(template)
    session.flush()
    events.record(
        session,
        caller,
        "TEMPLATE.CREATE",
        f"Template {template.name} created from a volume",
        resource_type="Template",
        resource_uuid=template.uuid,
    )
    return template


def finish_from_volume(session: Session, template: VMTemplate, volume: Volume) -> None:
    """The volume's data is now on the zone's store: the copy is Ready."""
    template.size = volume.size or None
    template.state = "Active"
    zone = session.get(Zone, volume.zone_id)
    assert zone is not None
    add_copies(session, template, zone, DOWNLOADED)


def _count_templates(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(VMTemplate.account_id, func.count(VMTemplate.id))
        .where(VMTemplate.account_id.in_(account_ids), VMTemplate.removed.is_(None))
        .where(VMTemplate.template_type.not_in(("BUILTIN", "SYSTEM")))
        .group_by(VMTemplate.account_id)
    )
    return {a: int(n) for a, n in rows}


def _count_secondary(session: Session, account_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(VMTemplate.account_id, func.sum(TemplateStoreRef.physical_size))
        .join(TemplateStoreRef, TemplateStoreRef.template_id == VMTemplate.id)
        .where(
            VMTemplate.account_id.in_(account_ids),
            VMTemplate.template_type.not_in(("BUILTIN", "SYSTEM")),
            TemplateStoreRef.download_state == DOWNLOADED,
        )
        .group_by(VMTemplate.account_id)
    )
    out = {a: int(n or 0) for a, n in rows}
    from cumulo.services.volumes import uploads  # uploaded volumes held on image stores

    for account_id, size in uploads.secondary_bytes(session, account_ids).items():
        out[account_id] = out.get(account_id, 0) + size
    return out


limits.COUNTERS[ResourceType.TEMPLATE] = _count_templates
limits.COUNTERS[ResourceType.SECONDARY_STORAGE] = _count_secondary


def _forget_account(session: Session, caller: Caller, account: object) -> None:
    """An account's templates and ISOs go with it (CloudStack's cleanup does the same)."""
    account_id = account.id  # type: ignore[attr-defined]
    rows = session.execute(
        select(VMTemplate).where(VMTemplate.account_id == account_id, VMTemplate.removed.is_(None))
    ).scalars()
    for template in rows:
        for ref in session.execute(
            select(TemplateStoreRef).where(TemplateStoreRef.template_id == template.id)
        ).scalars():
            session.delete(ref)
        template.mark_removed()


def _register_cleanup() -> None:
    from cumulo.services import accounts

    accounts.CLEANUP_HOOKS.append(_forget_account)


_register_cleanup()
