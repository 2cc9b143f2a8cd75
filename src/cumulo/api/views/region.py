"""RegionResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.region import Region


def region_view(region: Region) -> dict[str, Any]:
    return {
        "id": region.id,
        "name": region.name,
        "endpoint": region.endpoint,
        "gslbserviceenabled": region.gslb_service_enabled,
        "portableipserviceenabled": region.portableip_service_enabled,
    }
