"""Secondary storage (image stores) and staging stores."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.image_store import ImageStore, ImageStoreDetail
from cumulo.db.models.zone import Zone
from cumulo.drivers import registry
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events
from cumulo.services.infra_common import choice, drop_details, exists, live, save_details

PROVIDERS = ("NFS", "S3", "Swift", "SMB")
ZONE_PROVIDERS = ("NFS", "SMB")


def add(
    session: Session,
    caller: Caller,
    *,
    provider: str,
    name: str | None,
    url: str | None,
    zone: Zone | None,
    details: dict[str, str],
    role: str = "Image",
) -> ImageStore:
    provider = choice(provider, PROVIDERS, "image store provider")
    if zone is not None:
        live(zone, "zone")
    if provider in ZONE_PROVIDERS:
        if zone is None:
            raise InvalidParameter(f"An {provider} image store needs zoneid")
        if not url:
            raise InvalidParameter(f"An {provider} image store needs url, e.g. nfs://server/path")
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("nfs", "cifs") or not parts.hostname or not parts.path:
            raise InvalidParameter(f"Invalid image store URL {url!r}; use nfs://server/path")
    protocol = urlsplit(url).scheme.lower() if url else None
    name = (name or url or provider).strip()
    taken = select(ImageStore.id).where(ImageStore.name == name, ImageStore.removed.is_(None))
    if exists(session, taken):
        raise InvalidParameter(f"An image store named {name} already exists")
    stats = registry.driver_for("Simulator").image_store_stats(url or "")
    store = ImageStore(
        name=name,
        zone_id=zone.id if zone else None,
        provider=provider,
        protocol=protocol,
        url=url,
        role=role,
        scope="ZONE" if zone else "REGION",
        total_bytes=stats.capacity_bytes,
        used_bytes=stats.used_bytes,
    )
    session.add(store)
    session.flush()
    if details:
        save_details(session, ImageStoreDetail, "store_id", store.id, details)
    events.record(
        session,
        caller,
        "IMAGE.STORE.CREATE" if role == "Image" else "IMAGE.CACHE.CREATE",
        f"Image store {name} added",
        resource_type="ImageStore",
        resource_uuid=store.uuid,
    )
    return store


def templates_on(session: Session, store: ImageStore) -> int:
    """Templates, ISOs and snapshots kept on the store. Hook for the template work."""
    return 0


def delete(session: Session, caller: Caller, store: ImageStore) -> None:
    live(store, "image store")
    if templates_on(session, store):
        raise ResourceInUse(
            f"Image store {store.name} still holds templates or snapshots; delete them first"
        )
    drop_details(session, ImageStoreDetail, "store_id", store.id)
    store.mark_removed()
    events.record(
        session,
        caller,
        "IMAGE.STORE.DELETE",
        f"Image store {store.name} deleted",
        resource_type="ImageStore",
        resource_uuid=store.uuid,
    )


def details_of(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    if ids:
        rows = session.execute(select(ImageStoreDetail).where(ImageStoreDetail.store_id.in_(ids)))
        for d in rows.scalars():
            out.setdefault(d.store_id, {})[d.name] = d.value
    return out
