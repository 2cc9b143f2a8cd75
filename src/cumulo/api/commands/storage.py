"""Primary and secondary storage commands (§6.4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, LONG, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.views.infra_names import Names
from cumulo.api.views.storage import image_store_view, storage_pool_view
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.storage_pool import StoragePool
from cumulo.jobs.context import JobRun
from cumulo.services import image_stores, storage_pools
from cumulo.services.infra_common import flatten_details
from cumulo.services.states import storage_pool as pool_states


def _pool(session: Session, pool: StoragePool) -> dict[str, Any]:
    return storage_pool_view(pool, Names.load(session, [pool]))


@command(
    "createStoragePool",
    params=[
        Param(
            "capacitybytes",
            LONG,
            description="bytes CloudStack can provision from this storage pool",
        ),
        Param(
            "capacityiops", LONG, description="IOPS CloudStack can provision from this storage pool"
        ),
        Param(
            "clusterid", UUID, entity="Cluster", description="the cluster ID for the storage pool"
        ),
        Param("details", MAP, description="the details for the storage pool"),
        Param(
            "hypervisor",
            STRING,
            description="hypervisor type of the hosts in zone that will be attached",
        ),
        Param("istagarule", BOOLEAN, description="whether the storage tags are a rule"),
        Param(
            "managed", BOOLEAN, description="whether the storage should be managed by CloudStack"
        ),
        Param("name", STRING, required=True, description="the name for the storage pool"),
        Param("podid", UUID, entity="Pod", description="the Pod ID for the storage pool"),
        Param("provider", STRING, description="the storage provider name"),
        Param("scope", STRING, description="the scope of the storage: cluster or zone"),
        Param("storageaccessgroups", STRING, since="4.21.0", description="storage access groups"),
        Param("tags", STRING, description="the tags for the storage pool"),
        Param("url", STRING, required=True, description="the URL of the storage pool"),
        Param(
            "zoneid",
            UUID,
            required=True,
            entity="Zone",
            description="the Zone ID for the storage pool",
        ),
    ],
    object_name="storagepool",
    response_class="StoragePoolResponse",
)
def create_storage_pool(call: Call, args: Args) -> ObjectResult:
    """Creates a storage pool."""
    new = storage_pools.NewPool(
        name=args.name,
        url=args.url,
        scope=args.scope,
        pod=args.podid,
        cluster=args.clusterid,
        hypervisor=args.hypervisor,
        tags=args.tags,
        provider=args.provider,
        managed=bool(args.managed),
        capacity_bytes=args.capacitybytes,
        capacity_iops=args.capacityiops,
        details=flatten_details(args.details),
    )
    pool = storage_pools.create(call.db, call.caller, args.zoneid, new)
    return ObjectResult(_pool(call.db, pool))


@command(
    "updateStoragePool",
    params=[
        Param(
            "capacitybytes",
            LONG,
            description="bytes CloudStack can provision from this storage pool",
        ),
        Param(
            "capacityiops", LONG, description="IOPS CloudStack can provision from this storage pool"
        ),
        Param("details", MAP, since="4.19.0", description="the details for the storage pool"),
        Param("enabled", BOOLEAN, description="false to disable the pool for allocation"),
        Param(
            "id",
            UUID,
            required=True,
            entity="StoragePool",
            description="the Id of the storage pool",
        ),
        Param("istagarule", BOOLEAN, description="whether the storage tags are a rule"),
        Param("name", STRING, since="4.15", description="change the name of the storage pool"),
        Param("tags", LIST, collection=STRING, description="comma-separated list of tags"),
        Param("url", STRING, since="4.19.0", description="the URL of the storage pool"),
    ],
    object_name="storagepool",
    response_class="StoragePoolResponse",
)
def update_storage_pool(call: Call, args: Args) -> ObjectResult:
    """Updates a storage pool."""
    pool = storage_pools.update(
        call.db,
        call.caller,
        args.id,
        name=args.name,
        tags=args.tags,
        capacity_bytes=args.capacitybytes,
        capacity_iops=args.capacityiops,
        enabled=args.enabled,
        details=flatten_details(args.details),
        url=args.url,
    )
    return ObjectResult(_pool(call.db, pool))


@command(
    "deleteStoragePool",
    params=[
        Param("forced", BOOLEAN, description="delete the pool even if volumes remain"),
        Param("id", UUID, required=True, entity="StoragePool", description="Storage pool id"),
    ],
    response_class="SuccessResponse",
)
def delete_storage_pool(call: Call, args: Args) -> SuccessResult:
    """Deletes a storage pool."""
    storage_pools.delete(call.db, call.caller, args.id, bool(args.forced))
    return SuccessResult()


@command(
    "listStoragePools",
    params=[
        Param(
            "clusterid",
            UUID,
            entity="Cluster",
            description="list storage pools belonging to the cluster",
        ),
        Param("hostid", UUID, entity="Host", description="host ID of the storage pools"),
        Param("id", UUID, entity="StoragePool", description="the ID of the storage pool"),
        Param("ipaddress", STRING, description="the IP address for the storage pool"),
        Param("name", STRING, description="the name of the storage pool"),
        Param("path", STRING, description="the storage pool path"),
        Param("podid", UUID, entity="Pod", description="the Pod ID for the storage pool"),
        Param("scope", STRING, description="the scope of the storage pool"),
        Param("status", STRING, description="the status of the storage pool"),
        Param("storageaccessgroup", STRING, since="4.21.0", description="storage access group"),
        Param("storagecustomstats", BOOLEAN, since="4.18.1", description="show custom stats"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the storage pool"),
    ],
    is_list=True,
    object_name="storagepool",
    response_class="StoragePoolResponse",
)
def list_storage_pools(call: Call, args: Args) -> ListResult:
    """Lists storage pools."""
    stmt = select(StoragePool).where(StoragePool.removed.is_(None))
    filters = {
        "id": lambda v: StoragePool.id == v.id,
        "zoneid": lambda v: StoragePool.zone_id == v.id,
        "podid": lambda v: StoragePool.pod_id == v.id,
        "clusterid": lambda v: StoragePool.cluster_id == v.id,
        "hostid": lambda v: StoragePool.host_id == v.id,
        "name": lambda v: StoragePool.name == v,
        "ipaddress": lambda v: StoragePool.host_address == v,
        "path": lambda v: StoragePool.path == v,
        "scope": lambda v: StoragePool.scope.ilike(v),
        "status": lambda v: StoragePool.status.ilike(v),
    }
    for key, clause in filters.items():
        value = args.get(key)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.keyword:
        stmt = stmt.where(StoragePool.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(StoragePool.id), call, args)
    found = [r[0] for r in rows]
    names = Names.load(call.db, found)
    return ListResult([storage_pool_view(p, names) for p in found], count)


@command(
    "listStorageTags",
    is_list=True,
    object_name="storagetag",
    response_class="StorageTagResponse",
)
def list_storage_tags(call: Call, args: Args) -> ListResult:
    """Lists storage tags"""
    rows = call.db.execute(
        select(StoragePool.id, StoragePool.uuid, StoragePool.tags).where(
            StoragePool.removed.is_(None), StoragePool.tags.is_not(None)
        )
    ).all()
    items = [
        {"id": f"{pool_id}-{tag}", "name": tag, "poolid": uuid}
        for pool_id, uuid, tags in rows
        for tag in (tags or "").split(",")
        if tag and (not args.keyword or args.keyword in tag)
    ]
    return ListResult(items, len(items))


# -- storage maintenance (async) ------------------------------------------------

_POOL_ID = [
    Param("id", UUID, required=True, entity="StoragePool", description="Primary storage ID")
]


@command(
    "enableStorageMaintenance",
    params=_POOL_ID,
    kind=Kind.ASYNC,
    object_name="storagepool",
    response_name="prepareprimarystorageformaintenanceresponse",
    instance_type="StoragePool",
    response_class="StoragePoolResponse",
)
def enable_storage_maintenance(call: Call, args: Args) -> Enqueue:
    """Puts storage pool into maintenance state"""
    storage_pools.check_can_maintain(args.id)
    return Enqueue({"pool_id": args.id.id}, instance_uuid=args.id.uuid)


@enable_storage_maintenance.execute
def _enable_storage_maintenance(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    pool_id = int(payload["pool_id"])

    def ask(s: Session) -> None:
        pool = s.get(StoragePool, pool_id)
        if pool is not None and pool.status != pool_states.PREPARE:
            pool_states.STATUS.apply(s, pool, "ask_maintenance")

    job.step("ask", lambda: job.transaction(ask))

    def finish(s: Session) -> dict[str, Any]:
        pool = s.get(StoragePool, pool_id)
        assert pool is not None
        left = storage_pools.evacuate(s, pool)
        pool_states.STATUS.try_apply(s, pool, "maintenance_failed" if left else "enter_maintenance")
        return _pool(s, pool)

    return ObjectResult(job.transaction(finish))


@command(
    "cancelStorageMaintenance",
    params=_POOL_ID,
    kind=Kind.ASYNC,
    object_name="storagepool",
    response_name="cancelprimarystoragemaintenanceresponse",
    instance_type="StoragePool",
    response_class="StoragePoolResponse",
)
def cancel_storage_maintenance(call: Call, args: Args) -> Enqueue:
    """Cancels maintenance for primary storage"""
    storage_pools.check_can_cancel(args.id)
    return Enqueue({"pool_id": args.id.id}, instance_uuid=args.id.uuid)


@cancel_storage_maintenance.execute
def _cancel_storage_maintenance(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    pool_id = int(payload["pool_id"])

    def cancel(s: Session) -> dict[str, Any]:
        pool = s.get(StoragePool, pool_id)
        assert pool is not None
        if pool.status != pool_states.CANCEL:
            pool_states.STATUS.apply(s, pool, "cancel_maintenance")
        pool_states.STATUS.apply(s, pool, "maintenance_cancelled")
        return _pool(s, pool)

    return ObjectResult(job.transaction(cancel))


# -- secondary storage ----------------------------------------------------------


def _store(session: Session, store: ImageStore) -> dict[str, Any]:
    return image_store_view(store, Names.load(session, [store]))


@command(
    "addImageStore",
    params=[
        Param("details", MAP, description="the details for the image store"),
        Param("name", STRING, description="the name for the image store"),
        Param("provider", STRING, required=True, description="the image store provider name"),
        Param("url", STRING, length=2048, description="the URL for the image store"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the image store"),
    ],
    object_name="imagestore",
    response_class="ImageStoreResponse",
)
def add_image_store(call: Call, args: Args) -> ObjectResult:
    """Adds backup image store."""
    store = image_stores.add(
        call.db,
        call.caller,
        provider=args.provider,
        name=args.name,
        url=args.url,
        zone=args.zoneid,
        details=flatten_details(args.details),
    )
    return ObjectResult(_store(call.db, store))


@command(
    "addSecondaryStorage",
    params=[
        Param("url", STRING, required=True, description="the URL for the secondary storage"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the secondary storage"),
    ],
    object_name="secondarystorage",
    response_class="ImageStoreResponse",
)
def add_secondary_storage(call: Call, args: Args) -> ObjectResult:
    """Adds secondary storage."""
    store = image_stores.add(
        call.db,
        call.caller,
        provider="NFS",
        name=None,
        url=args.url,
        zone=args.zoneid,
        details={},
    )
    return ObjectResult(_store(call.db, store))


def _list_stores(call: Call, args: Args, role: str) -> ListResult:
    stmt = select(ImageStore).where(ImageStore.removed.is_(None), ImageStore.role == role)
    filters = {
        "id": lambda v: ImageStore.id == v.id,
        "zoneid": lambda v: ImageStore.zone_id == v.id,
        "name": lambda v: ImageStore.name == v,
        "protocol": lambda v: ImageStore.protocol.ilike(v),
        "provider": lambda v: ImageStore.provider.ilike(v),
        "readonly": lambda v: ImageStore.readonly == v,
    }
    for key, clause in filters.items():
        value = args.get(key)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.keyword:
        stmt = stmt.where(ImageStore.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(ImageStore.id), call, args)
    found = [r[0] for r in rows]
    names = Names.load(call.db, found)
    return ListResult([image_store_view(s, names) for s in found], count)


@command(
    "listImageStores",
    params=[
        Param("id", UUID, entity="ImageStore", description="the ID of the storage pool"),
        Param("name", STRING, description="the name of the image store"),
        Param("protocol", STRING, description="the image store protocol"),
        Param("provider", STRING, description="the image store provider"),
        Param(
            "readonly", BOOLEAN, since="4.15.0", description="read-only status of the image store"
        ),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the image store"),
    ],
    is_list=True,
    object_name="imagestore",
    response_class="ImageStoreResponse",
)
def list_image_stores(call: Call, args: Args) -> ListResult:
    """Lists image stores."""
    return _list_stores(call, args, "Image")


@command(
    "deleteImageStore",
    params=[
        Param("id", UUID, required=True, entity="ImageStore", description="The image store ID")
    ],
    response_class="SuccessResponse",
)
def delete_image_store(call: Call, args: Args) -> SuccessResult:
    """Deletes an image store or Secondary Storage."""
    image_stores.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "createSecondaryStagingStore",
    params=[
        Param("details", MAP, description="the details for the staging store"),
        Param("provider", STRING, description="the staging store provider name"),
        Param("scope", STRING, description="the scope of the staging store: zone only for now"),
        Param(
            "url", STRING, required=True, length=2048, description="the URL for the staging store"
        ),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the staging store"),
    ],
    object_name="secondarystorage",
    response_class="ImageStoreResponse",
)
def create_staging_store(call: Call, args: Args) -> ObjectResult:
    """create secondary staging store."""
    store = image_stores.add(
        call.db,
        call.caller,
        provider=args.provider or "NFS",
        name=None,
        url=args.url,
        zone=args.zoneid,
        details=flatten_details(args.details),
        role="ImageCache",
    )
    return ObjectResult(_store(call.db, store))


@command(
    "listSecondaryStagingStores",
    params=[
        Param("id", UUID, entity="ImageStore", description="the ID of the staging store"),
        Param("name", STRING, description="the name of the staging store"),
        Param("protocol", STRING, description="the staging store protocol"),
        Param("provider", STRING, description="the staging store provider"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the staging store"),
    ],
    is_list=True,
    object_name="imagestore",
    response_name="listsecondarystagingstoreresponse",
    response_class="ImageStoreResponse",
)
def list_staging_stores(call: Call, args: Args) -> ListResult:
    """Lists secondary staging stores."""
    return _list_stores(call, args, "ImageCache")
