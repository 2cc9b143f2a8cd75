"""VolumeResponse, decorated per page with one query per related kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.views.batch import by_id
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.tag import tags_field
from cumulo.db.models.account import Account
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.services import tags
from cumulo.services.volumes import uploads


def volume_items(session: Session, vols: list[Volume], caller: Caller) -> list[dict[str, Any]]:
    zones = by_id(session, Zone, (v.zone_id for v in vols), Zone.uuid, Zone.name)
    vms = by_id(
        session,
        VMInstance,
        (v.instance_id for v in vols),
        VMInstance.uuid,
        VMInstance.name,
        VMInstance.display_name,
        VMInstance.state,
        VMInstance.hypervisor,
    )
    pools = by_id(
        session,
        StoragePool,
        (v.pool_id for v in vols),
        StoragePool.uuid,
        StoragePool.name,
        StoragePool.hypervisor,
        StoragePool.scope,
    )
    offerings = by_id(
        session,
        DiskOffering,
        (v.disk_offering_id for v in vols),
        DiskOffering.uuid,
        DiskOffering.name,
        DiskOffering.display_text,
    )
    templates = by_id(
        session, VMTemplate, (v.template_id for v in vols), VMTemplate.uuid, VMTemplate.name
    )
    accounts = by_id(session, Account, (v.account_id for v in vols), Account.name)
    domains = by_id(
        session, Domain, (v.domain_id for v in vols), Domain.uuid, Domain.name, Domain.path
    )
    projects = by_id(session, Project, (v.project_id for v in vols), Project.uuid, Project.name)
    tag_map = tags.tags_of(session, "Volume", [v.id for v in vols])
    statuses = uploads.status_of(session, [v.id for v in vols])
    out = []
    for v in vols:
        zone, vm, pool = (
            zones.get(v.zone_id),
            vms.get(v.instance_id or 0),
            pools.get(v.pool_id or 0),
        )
        off, tpl = offerings.get(v.disk_offering_id or 0), templates.get(v.template_id or 0)
        account, domain = accounts.get(v.account_id), domains.get(v.domain_id)
        project = projects.get(v.project_id or 0)
        item: dict[str, Any] = {
            "id": v.uuid,
            "name": v.name,
            "type": v.volume_type,
            "state": v.state,
            "size": v.size,
            "created": v.created,
            "deviceid": v.device_id,
            "attached": v.attached,
            "provisioningtype": v.provisioning_type,
            "zoneid": zone.uuid if zone else None,
            "zonename": zone.name if zone else None,
            "virtualmachineid": vm.uuid if vm else None,
            "vmname": vm.name if vm else None,
            "vmdisplayname": vm.display_name if vm else None,
            "vmstate": vm.state if vm else None,
            "hypervisor": (vm.hypervisor if vm else None) or (pool.hypervisor if pool else None),
            "storagetype": "local" if pool is not None and pool.scope == "HOST" else "shared",
            "diskofferingid": off.uuid if off else None,
            "diskofferingname": off.name if off else None,
            "diskofferingdisplaytext": off.display_text if off else None,
            "templateid": tpl.uuid if tpl else None,
            "templatename": tpl.name if tpl else None,
            "account": account.name if account else None,
            "domainid": domain.uuid if domain else None,
            "domain": domain.name if domain else None,
            "domainpath": pretty_path(domain.path) if domain else None,
            "projectid": project.uuid if project else None,
            "project": project.name if project else None,
            "destroyed": v.state == "Destroy",
            "displayvolume": v.display_volume,
            "deleteprotection": v.delete_protection,
            "isextractable": False,
            "miniops": v.min_iops,
            "maxiops": v.max_iops,
            "tags": tags_field(session, tag_map.get(v.id, [])),
            "status": statuses.get(v.id),
        }
        if caller.is_root_admin:
            item.update(
                chaininfo=v.chain_info,
                storage=pool.name if pool else None,
                storageid=pool.uuid if pool else None,
                path=v.path,
            )
        out.append({k: val for k, val in item.items() if val is not None})
    return out
