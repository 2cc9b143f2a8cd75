"""TemplateResponse: one entry per template per zone, as CloudStack lists them."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.guest_os import GuestOs
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.zone import Zone
from cumulo.services.volumes.uploads import UPLOAD_STATUS


def status_text(ref: TemplateStoreRef | None) -> str | None:
    if ref is None:
        return None
    if ref.download_state == "DOWNLOADED":
        return "Download Complete"
    if ref.download_state == "DOWNLOAD_ERROR":
        return ref.error_text or "Failed to download template"
    if ref.download_state == "DOWNLOAD_IN_PROGRESS":
        return f"{ref.download_pct}% Downloaded"
    if ref.download_state in UPLOAD_STATUS:
        return ref.error_text or UPLOAD_STATUS[ref.download_state]
    return "Download pending"


def template_view(
    t: VMTemplate,
    ref: TemplateStoreRef | None,
    zone: Zone | None,
    account: Account,
    domain: Domain,
    os: GuestOs | None,
    tags: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    ready = ref is not None and ref.download_state == "DOWNLOADED"
    view: dict[str, Any] = {
        "id": t.uuid,
        "name": t.name,
        "displaytext": t.display_text,
        "ispublic": t.is_public,
        "isfeatured": t.is_featured,
        "isextractable": t.is_extractable,
        "crossZones": t.cross_zones,
        "bootable": t.bootable,
        "passwordenabled": t.password_enabled,
        "sshkeyenabled": t.ssh_key_enabled,
        "isdynamicallyscalable": t.is_dynamically_scalable,
        "requireshvm": t.requires_hvm,
        "format": t.format,
        "hypervisor": t.hypervisor,
        "templatetype": t.template_type,
        "account": account.name,
        "accountid": account.uuid,
        "domain": domain.name,
        "domainid": domain.uuid,
        "created": t.created,
        "isready": ready,
        "status": status_text(ref),
        "checksum": t.checksum,
        "templatetag": t.template_tag,
        "url": t.url,
        "tags": tags or [],
        "details": {},
        "hasannotations": False,
        "deployasis": False,
        "directdownload": False,
    }
    if zone is not None:
        view["zoneid"], view["zonename"] = zone.uuid, zone.name
    if ready and (ref.physical_size or t.size):  # type: ignore[union-attr]
        view["size"] = t.size or ref.physical_size  # type: ignore[union-attr]
        view["physicalsize"] = ref.physical_size  # type: ignore[union-attr]
    if ref is not None and ref.download_state != "DOWNLOADED":
        view["downloaddetails"] = [
            {"downloadState": ref.download_state, "downloadPercent": str(ref.download_pct)}
        ]
    if os is not None:
        view["ostypeid"], view["ostypename"] = os.uuid, os.display_name
    if t.removed is not None:
        view["removed"] = t.removed
    return view


def extract_view(
    uuid: str, name: str, account: Account | None, mode: str, url: str, zone: Zone
) -> dict[str, Any]:
    """ExtractResponse of a download link the secondary storage VM serves."""
    item: dict[str, Any] = {
        "id": uuid,
        "name": name,
        "accountid": account.uuid if account else None,
        "extractMode": mode,
        "state": "DOWNLOAD_URL_CREATED",
        "status": "DOWNLOAD_URL_CREATED",
        "uploadpercentage": 100,
        "url": url,
        "zoneid": zone.uuid,
        "zonename": zone.name,
    }
    return {k: v for k, v in item.items() if v is not None}
