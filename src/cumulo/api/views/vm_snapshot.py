"""VMSnapshotResponse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.views.batch import by_id
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.tag import tags_field
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.vm_snapshot import VMSnapshot
from cumulo.db.models.zone import Zone
from cumulo.services import tags


def vm_snapshot_items(session: Session, snaps: list[VMSnapshot]) -> list[dict[str, Any]]:
    zones = by_id(session, Zone, {s.zone_id for s in snaps})
    vms = by_id(session, VMInstance, {s.vm_id for s in snaps})
    parents = by_id(session, VMSnapshot, {s.parent_id for s in snaps})
    accounts = by_id(session, Account, {s.account_id for s in snaps})
    domains = by_id(session, Domain, {s.domain_id for s in snaps})
    projects = by_id(session, Project, {s.project_id for s in snaps})
    tag_map = tags.tags_of(session, "VMSnapshot", [s.id for s in snaps])
    out = []
    for s in snaps:
        zone, vm, parent = zones.get(s.zone_id), vms.get(s.vm_id), parents.get(s.parent_id or 0)
        domain, project = domains.get(s.domain_id), projects.get(s.project_id or 0)
        account = accounts.get(s.account_id)
        item: dict[str, Any] = {
            "id": s.uuid,
            "name": s.name,
            "displayname": s.display_name,
            "description": s.description,
            "state": s.state,
            "type": s.snapshot_type,
            "current": s.current,
            "parent": parent.uuid if parent else None,
            "parentName": parent.display_name if parent else None,
            "created": s.created,
            "zoneid": zone.uuid if zone else None,
            "zonename": zone.name if zone else None,
            "virtualmachineid": vm.uuid if vm else None,
            "virtualmachinename": (vm.display_name or vm.name) if vm else None,
            "hypervisor": s.hypervisor,
            "account": account.name if account and project is None else None,
            "projectid": project.uuid if project else None,
            "project": project.name if project else None,
            "domainid": domain.uuid if domain else None,
            "domain": domain.name if domain else None,
            "domainpath": pretty_path(domain.path) if domain else None,
            "tags": tags_field(session, tag_map.get(s.id, [])),
        }
        out.append({k: v for k, v in item.items() if v is not None})
    return out
