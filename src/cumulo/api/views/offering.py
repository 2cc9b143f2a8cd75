"""ServiceOfferingResponse and DiskOfferingResponse."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.services import offering_scope
from cumulo.services.disk_rules import disk_fields

GIB = 1024**3


def service_offering_view(session: Session, o: ServiceOffering) -> dict[str, Any]:
    disk = session.get(DiskOffering, o.disk_offering_id) if o.disk_offering_id else None
    details = json.loads(o.details) if o.details else None
    return {
        "id": o.uuid,
        "name": o.name,
        "state": o.state,
        "displaytext": o.display_text,
        "cpunumber": o.cpu_number,
        "cpuspeed": o.cpu_speed,
        "memory": o.memory,
        "created": o.created,
        **disk_fields(o),
        "offerha": o.offer_ha,
        "limitcpuuse": o.limit_cpu_use,
        "isvolatile": o.is_volatile,
        "storagetags": o.storage_tags,
        **offering_scope.scope_fields(session, "service", o.id),
        "hosttags": o.host_tags,
        "issystem": o.is_system,
        "defaultuse": o.default_use,
        "systemvmtype": o.system_vm_type,
        "networkrate": o.network_rate,
        "deploymentplanner": o.deployment_planner,
        "serviceofferingdetails": details,
        "iscustomized": o.customized,
        "rootdisksize": o.root_disk_size,
        "dynamicscalingenabled": o.dynamic_scaling_enabled,
        "diskofferingstrictness": o.disk_offering_strictness,
        "diskofferingid": disk.uuid if disk else None,
        "diskofferingname": disk.name if disk else None,
        "diskofferingdisplaytext": disk.display_text if disk else None,
        "encryptroot": o.encrypt,
        "purgeresources": o.purge_resources,
        "hasannotations": False,
    }


def disk_offering_view(session: Session, o: DiskOffering) -> dict[str, Any]:
    return {
        "id": o.uuid,
        **offering_scope.scope_fields(session, "disk", o.id),
        "name": o.name,
        "state": o.state,
        "displaytext": o.display_text,
        "disksize": o.disk_size // GIB,
        "created": o.created,
        "iscustomized": o.customized,
        "tags": o.storage_tags,
        **disk_fields(o),
        "displayoffering": o.display_offering,
        "disksizestrictness": o.disk_size_strictness,
        "encrypt": o.encrypt,
        "hasannotations": False,
    }
