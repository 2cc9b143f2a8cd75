"""listStorageProviders: the data store providers a storage pool or image store can name.

Ansible's cs_storage_pool and cs_image_store look the provider up here before
creating anything, so the names must be the ones the create commands accept.
"""

from __future__ import annotations

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.params import STRING, Param
from cumulo.api.results import ListResult
from cumulo.errors import InvalidParameter
from cumulo.services import image_stores

# CloudStack's DataStoreProviderType values and the providers cumulo serves for each.
_PROVIDERS: dict[str, tuple[str, ...]] = {
    "primary": ("DefaultPrimary",),
    "image": image_stores.PROVIDERS,
    "imagecache": ("NFS",),
}
_TYPE_NAMES = {"primary": "PRIMARY", "image": "IMAGE", "imagecache": "ImageCache"}


@command(
    "listStorageProviders",
    params=[
        Param(
            "type",
            STRING,
            required=True,
            description="the type of storage provider: primary, image or ImageCache",
        ),
    ],
    is_list=True,
    object_name="dataStoreProvider",
    response_class="StorageProviderResponse",
)
def list_storage_providers(call: Call, args: Args) -> ListResult:
    """Lists storage providers."""
    kind = args.type.lower()
    if kind not in _PROVIDERS:
        raise InvalidParameter(
            f"Invalid storage provider type {args.type}: use primary, image or ImageCache"
        )
    items = [
        {"name": name, "type": _TYPE_NAMES[kind]}
        for name in _PROVIDERS[kind]
        if not args.keyword or args.keyword.lower() in name.lower()
    ]
    return ListResult(items, len(items))
