"""UserVmResponse, decorated in batches: one query per related kind for a whole page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.api.envelope import WireList, clean, format_date
from cumulo.api.views.batch import by_id
from cumulo.api.views.domain import pretty_path
from cumulo.api.views.nic import nic_view
from cumulo.api.views.tag import tags_field
from cumulo.db.models.account import Account
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.domain import Domain
from cumulo.db.models.host import Host
from cumulo.db.models.instance_group import InstanceGroup
from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.db.models.project import Project
from cumulo.db.models.security_group import SecurityGroup, SecurityGroupVm
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.services import nic_secondary_ips, tags

# The columns the view reads: list pages select these as plain rows (building 500
# ORM entities of ~40 columns each cost more than the whole SQL of the page).
VM_COLUMNS = (
    VMInstance.id, VMInstance.uuid, VMInstance.name, VMInstance.display_name,
    VMInstance.state, VMInstance.created, VMInstance.zone_id, VMInstance.account_id,
    VMInstance.domain_id, VMInstance.project_id, VMInstance.ha_enabled,
    VMInstance.display_vm, VMInstance.hypervisor, VMInstance.cpu_number,
    VMInstance.cpu_speed, VMInstance.memory_mb, VMInstance.instance_group_id,
    VMInstance.ssh_keypair_names, VMInstance.instance_name, VMInstance.host_id,
    VMInstance.service_offering_id, VMInstance.template_id, VMInstance.iso_id,
)  # fmt: skip
NIC_COLUMNS = (
    Nic.id, Nic.uuid, Nic.instance_id, Nic.network_id, Nic.ip4_address, Nic.netmask,
    Nic.gateway, Nic.mac_address, Nic.is_default, Nic.device_id, Nic.broadcast_uri,
    Nic.isolation_uri, Nic.secondary_ips,
)  # fmt: skip

ALL_DETAILS = {"all", "group", "nics", "stats", "secgrp", "tmpl", "servoff", "diskoff",
               "backoff", "iso", "volume", "min", "affgrp"}  # fmt: skip


class VmDecorator:
    """Everything a page of VMs refers to, loaded with a fixed number of queries."""

    def __init__(self, session: Session, vms: Sequence[Any], details: set[str]) -> None:
        self.session, self.details = session, details or {"all"}
        ids = [v.id for v in vms]
        self.zones = by_id(session, Zone, (v.zone_id for v in vms), Zone.uuid, Zone.name)
        self.offerings = by_id(
            session,
            ServiceOffering,
            (v.service_offering_id for v in vms),
            ServiceOffering.uuid,
            ServiceOffering.name,
        )
        self.templates = by_id(
            session,
            VMTemplate,
            (i for v in vms for i in (v.template_id, v.iso_id) if i is not None),
            VMTemplate.uuid,
            VMTemplate.name,
            VMTemplate.display_text,
            VMTemplate.password_enabled,
        )
        self.hosts = by_id(session, Host, (v.host_id for v in vms), Host.uuid, Host.name)
        self.accounts = by_id(session, Account, (v.account_id for v in vms), Account.name)
        self.domains = by_id(
            session, Domain, (v.domain_id for v in vms), Domain.uuid, Domain.name, Domain.path
        )
        self.projects = by_id(
            session, Project, (v.project_id for v in vms), Project.uuid, Project.name
        )
        self.nics: dict[int, list[Any]] = defaultdict(list)
        if self.wants("nics") and ids:
            for nic in session.execute(
                select(*NIC_COLUMNS)
                .where(Nic.instance_id.in_(ids), Nic.removed.is_(None))
                .order_by(Nic.device_id)
            ):
                self.nics[nic.instance_id].append(nic)
        # Only NICs that have secondary IPs cost a query (usually none on a page).
        self.secondary_ips = nic_secondary_ips.of_nics(
            session, (n.id for ns in self.nics.values() for n in ns if n.secondary_ips)
        )
        self.networks = by_id(
            session,
            Network,
            (n.network_id for ns in self.nics.values() for n in ns),
            Network.uuid,
            Network.name,
            Network.traffic_type,
            Network.guest_type,
        )
        self.instance_groups = by_id(
            session, InstanceGroup, (v.instance_group_id for v in vms if v.instance_group_id)
        )
        self.groups: dict[int, list[AffinityGroup]] = defaultdict(list)
        if self.wants("affgrp") and ids:
            for vm_id, group in session.execute(
                select(AffinityGroupVmMap.instance_id, AffinityGroup)
                .join(AffinityGroup, AffinityGroup.id == AffinityGroupVmMap.group_id)
                .where(AffinityGroupVmMap.instance_id.in_(ids))
            ):
                self.groups[vm_id].append(group)
        self.sgs: dict[int, list[SecurityGroup]] = defaultdict(list)
        if self.wants("secgrp") and ids:
            for vm_id, sg in session.execute(
                select(SecurityGroupVm.vm_id, SecurityGroup)
                .join(SecurityGroup, SecurityGroup.id == SecurityGroupVm.group_id)
                .where(SecurityGroupVm.vm_id.in_(ids))
                .order_by(SecurityGroup.id)
            ):
                self.sgs[vm_id].append(sg)
        self.roots: dict[int, Any] = {}
        if ids:
            # ``removed`` is tested here, not in SQL: with ``removed IS NULL`` in the
            # WHERE, SQLite (without ANALYZE statistics) walks ix_volume_list's
            # ``removed`` prefix over every volume (80 ms at 200,000) instead of
            # probing ix_volume_instance 500 times (1 ms).
            for vol in session.execute(
                select(Volume.instance_id, Volume.device_id, Volume.removed).where(
                    Volume.instance_id.in_(ids), Volume.volume_type == "ROOT"
                )
            ):
                if vol.removed is None:
                    self.roots[vol.instance_id] = vol
        self.tags = tags.tags_of(session, "UserVm", ids)

    def wants(self, name: str) -> bool:
        return "all" in self.details or name in self.details

    def view(self, vm: Any, caller: Caller) -> dict[str, Any]:
        """Wire-ready fields (``WireList``): no ``None`` anywhere, dates formatted;
        ``vm`` is a VMInstance or a row of ``VM_COLUMNS``."""
        zone = self.zones.get(vm.zone_id)
        account, domain = self.accounts.get(vm.account_id), self.domains.get(vm.domain_id)
        group = self.instance_groups.get(vm.instance_group_id or 0)
        out: dict[str, Any] = {
            "id": vm.uuid,
            "name": vm.name,
            "displayname": vm.display_name,
            "state": vm.state,
            "created": format_date(vm.created),
            "zoneid": zone.uuid if zone else None,
            "zonename": zone.name if zone else None,
            "account": account.name if account else None,
            "domainid": domain.uuid if domain else None,
            "domain": domain.name if domain else None,
            "domainpath": pretty_path(domain.path) if domain else None,
            "haenable": vm.ha_enabled,
            "displayvm": vm.display_vm,
            "hypervisor": vm.hypervisor,
            "cpunumber": vm.cpu_number,
            "cpuspeed": vm.cpu_speed,
            "memory": vm.memory_mb,
            "group": group.name if group else None,
            "groupid": group.uuid if group else None,
            "keypairs": vm.ssh_keypair_names,
            # The pre-4.17 name, still what Ansible's cs_instance compares with ssh_key.
            "keypair": vm.ssh_keypair_names,
            "isdynamicallyscalable": False,
            "userdata": None,
        }
        project = self.projects.get(vm.project_id or 0)
        if project is not None:
            out["projectid"], out["project"] = project.uuid, project.name
        root = self.roots.get(vm.id)
        if root is not None:
            out["rootdeviceid"], out["rootdevicetype"] = root.device_id, "ROOT"
        if caller.is_root_admin:
            out["instancename"] = vm.instance_name
            host = self.hosts.get(vm.host_id or 0)
            if host is not None:
                out["hostid"], out["hostname"] = host.uuid, host.name
        if self.wants("servoff"):
            off = self.offerings.get(vm.service_offering_id)
            if off is not None:
                out["serviceofferingid"], out["serviceofferingname"] = off.uuid, off.name
        if self.wants("tmpl"):
            tpl = self.templates.get(vm.template_id or 0)
            if tpl is not None:
                out.update(
                    templateid=tpl.uuid,
                    templatename=tpl.name,
                    templatedisplaytext=tpl.display_text,
                    passwordenabled=tpl.password_enabled,
                )
        if self.wants("iso") and vm.iso_id is not None:
            iso = self.templates.get(vm.iso_id)
            if iso is not None:
                out.update(isoid=iso.uuid, isoname=iso.name, isodisplaytext=iso.display_text)
        if self.wants("nics"):
            out["nic"] = [self.nic_view(n) for n in self.nics.get(vm.id, [])]
        if self.wants("secgrp"):
            out["securitygroup"] = clean(
                [
                    {"id": g.uuid, "name": g.name, "description": g.description}
                    for g in self.sgs.get(vm.id, [])
                ]
            )
        if self.wants("affgrp"):
            out["affinitygroup"] = clean(
                [
                    {"id": g.uuid, "name": g.name, "type": g.type, "description": g.description}
                    for g in self.groups.get(vm.id, [])
                ]
            )
        if self.wants("stats"):
            out["cpuused"] = "0%" if vm.state != "Running" else "1%"
        out["tags"] = clean(tags_field(self.session, self.tags.get(vm.id, [])))
        return {k: v for k, v in out.items() if v is not None}

    def nic_view(self, nic: Any) -> dict[str, Any]:
        return nic_view(
            nic, self.networks.get(nic.network_id), secondaries=self.secondary_ips.get(nic.id)
        )


def vm_items(
    session: Session, vms: Sequence[Any], caller: Caller, details: set[str] | None = None
) -> WireList:
    """UserVmResponses of VMInstances or of ``VM_COLUMNS`` rows."""
    deco = VmDecorator(session, vms, details or {"all"})
    return WireList(deco.view(vm, caller) for vm in vms)
