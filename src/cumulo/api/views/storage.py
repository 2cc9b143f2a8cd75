"""StoragePoolResponse and ImageStoreResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.storage_pool import StoragePool


def storage_pool_view(pool: StoragePool, names: Names) -> dict[str, Any]:
    return {
        "id": pool.uuid,
        "name": pool.name,
        **names.place(pool),
        "scope": pool.scope,
        "type": pool.pool_type,
        "ipaddress": pool.host_address,
        "path": pool.path,
        "state": pool.status,
        "disksizetotal": pool.capacity_bytes,
        "disksizeused": pool.used_bytes,
        "disksizeallocated": pool.allocated_bytes,
        "capacityiops": pool.capacity_iops,
        "tags": pool.tags,
        "istagarule": pool.is_tag_a_rule,
        "provider": pool.provider,
        "hypervisor": pool.hypervisor,
        "managed": pool.managed,
        "overprovisionfactor": "2.0" if pool.scope != "HOST" else "1.0",
        "created": pool.created,
        "hasannotations": False,
    }


def image_store_view(store: ImageStore, names: Names) -> dict[str, Any]:
    return {
        "id": store.uuid,
        "name": store.name,
        **names.place(store),
        "url": store.url,
        "protocol": store.protocol,
        "providername": store.provider,
        "scope": store.scope,
        "readonly": store.readonly,
        "disksizetotal": store.total_bytes,
        "disksizeused": store.used_bytes,
        "hasannotations": False,
    }
