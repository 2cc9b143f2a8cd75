"""deployVirtualMachine's synchronous half: validate, charge limits, create the rows.

Everything here runs in the handler's transaction, so a refusal (bad
parameter, limit reached, address taken) leaves nothing behind. The job then
places and starts the VM (``vms.start``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.base import utcnow
from cumulo.db.models.account import AccountType
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.disk_offering import DiskOffering
from cumulo.db.models.network import Network
from cumulo.db.models.project import Project
from cumulo.db.models.security_group import SecurityGroup, SecurityGroupVm
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.ssh_keypair import SshKeyPair
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import events, instance_groups, nics
from cumulo.services.configuration import ConfigStore
from cumulo.services.resource_owner import Owner
from cumulo.services.vms import charges

GiB = 1024**3
HOSTNAME = re.compile(r"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


@dataclass
class DeployRequest:
    zone: Zone
    offering: ServiceOffering
    template: VMTemplate
    networks: list[Network] = field(default_factory=list)
    ips: dict[int, str] = field(default_factory=dict)  # network id -> requested address
    disk_offering: DiskOffering | None = None
    size_gib: int | None = None
    root_size_gib: int | None = None
    details: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    display_name: str | None = None
    group: str | None = None
    keypairs: list[str] = field(default_factory=list)
    userdata: str | None = None
    affinity_groups: list[AffinityGroup] = field(default_factory=list)
    display_vm: bool = True
    security_groups: list[SecurityGroup] = field(default_factory=list)


@dataclass(frozen=True)
class Size:
    cpu_number: int
    cpu_speed: int
    memory_mb: int


def _detail_int(details: dict[str, str], key: str, what: str) -> int | None:
    raw = details.get(key.lower())
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"details {key}={raw!r} must be a whole number ({what})") from None
    if value <= 0:
        raise InvalidParameter(f"details {key} must be positive ({what})")
    return value


def size_of(offering: ServiceOffering, details: dict[str, str]) -> Size:
    """The effective CPU/memory: fixed by the offering or given in ``details``."""
    cpu = offering.cpu_number or _detail_int(details, "cpuNumber", "cores")
    speed = offering.cpu_speed or _detail_int(details, "cpuSpeed", "MHz")
    memory = offering.memory or _detail_int(details, "memory", "MiB")
    missing = [n for n, v in (("cpuNumber", cpu), ("cpuSpeed", speed), ("memory", memory)) if not v]
    if missing:
        raise InvalidParameter(
            f"Service offering {offering.name} is customizable; give "
            + ", ".join(f"details[0].{m}" for m in missing)
        )
    assert cpu and speed and memory
    _within(cpu, offering.min_cpu_number, offering.max_cpu_number, "cpuNumber")
    _within(memory, offering.min_memory, offering.max_memory, "memory")
    return Size(cpu, speed, memory)


def _within(value: int, low: int | None, high: int | None, name: str) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidParameter(
            f"{name}={value} is outside the offering's range {low or 1}-{high or 'unlimited'}"
        )


def check_offering(offering: ServiceOffering) -> None:
    if offering.removed is not None or offering.state != "Active":
        raise InvalidParameter(f"Service offering {offering.uuid} is not active")
    if offering.is_system:
        raise InvalidParameter(
            f"Service offering {offering.name} is a system offering; pick a compute offering"
        )


def check_template(
    session: Session, caller: Caller, owner: Owner, tpl: VMTemplate, zone: Zone
) -> None:
    if tpl.removed is not None or not tpl.is_template:
        raise InvalidParameter(f"Template {tpl.uuid} does not exist or is an ISO")
    visible = tpl.is_public or tpl.account_id == owner.account_id or caller.is_root_admin
    if not visible and not (caller.is_admin and caller.can_see_domain_path(tpl.domain_path)):
        raise PermissionDenied(f"Template {tpl.uuid} is not available to {owner.account.name}")
    ready = session.execute(
        select(TemplateStoreRef.id).where(
            TemplateStoreRef.template_id == tpl.id,
            TemplateStoreRef.download_state == "DOWNLOADED",
            (TemplateStoreRef.zone_id == zone.id) if not tpl.cross_zones else true(),
        )
    ).first()
    if ready is None:
        raise InvalidParameter(
            f"Template {tpl.name} is not ready in zone {zone.name}; wait for its download "
            "or copy it to the zone"
        )


def check_network(owner: Owner, network: Network, zone: Zone) -> None:
    if network.removed is not None:
        raise InvalidParameter(f"Network {network.uuid} has been removed")
    if network.zone_id != zone.id:
        raise InvalidParameter(f"Network {network.name} is not in zone {zone.name}")
    if network.acl_type == "Account" and network.account_id != owner.account_id:
        raise PermissionDenied(
            f"Account {owner.account.name} may not use network {network.name} of another account"
        )
    if network.acl_type == "Domain" and not owner.domain_path.startswith(network.domain_path):
        raise PermissionDenied(f"Network {network.name} is not shared with this domain")


def default_networks(session: Session, owner: Owner, zone: Zone) -> list[Network]:
    """No networkids: the zone's shared guest network (Basic), else the account's isolated one."""
    stmt = select(Network).where(
        Network.zone_id == zone.id, Network.removed.is_(None), Network.traffic_type == "Guest"
    )
    if zone.network_type == "Basic":
        stmt = stmt.where(Network.guest_type == "Shared")
    else:
        stmt = stmt.where(Network.guest_type == "Isolated", Network.account_id == owner.account_id)
    network = session.execute(stmt.order_by(Network.id).limit(1)).scalar_one_or_none()
    if network is None:
        raise InvalidParameter(
            f"Account {owner.account.name} has no guest network in zone {zone.name}; "
            "create one and pass networkids"
        )
    return [network]


def check_userdata(userdata: str | None) -> None:
    if userdata is None:
        return
    try:
        base64.b64decode(userdata, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter("userdata must be base64-encoded") from None


def check_keypairs(session: Session, owner: Owner, names: list[str]) -> None:
    for name in names:
        found = session.execute(
            select(SshKeyPair.id).where(
                SshKeyPair.name == name, SshKeyPair.account_id == owner.account_id
            )
        ).first()
        if found is None:
            raise InvalidParameter(f"A key pair named {name} was not found for this account")


def root_size(template: VMTemplate, offering_root: int | None, root_size_gib: int | None) -> int:
    """Bytes of a new root disk: rootdisksize (not below the template), else the template's."""
    if root_size_gib is not None:
        if root_size_gib <= 0:
            raise InvalidParameter("rootdisksize must be a positive number of GiB")
        if template.size and root_size_gib * GiB < template.size:
            raise InvalidParameter(
                f"rootdisksize {root_size_gib} GiB is smaller than template "
                f"{template.name} ({template.size // GiB} GiB)"
            )
        return root_size_gib * GiB
    return template.size or offering_root or 2 * GiB


def _root_size(req: DeployRequest) -> int:
    return root_size(req.template, req.offering.root_disk_size, req.root_size_gib)


def _data_size(req: DeployRequest) -> int:
    assert req.disk_offering is not None
    if req.disk_offering.customized:
        if not req.size_gib or req.size_gib <= 0:
            raise InvalidParameter(
                f"Disk offering {req.disk_offering.name} is custom sized; give size in GiB"
            )
        return req.size_gib * GiB
    return req.disk_offering.disk_size


def create(
    session: Session, config: ConfigStore, caller: Caller, owner: Owner, req: DeployRequest
) -> VMInstance:
    """Validate and insert the VM, its volumes and NICs; charge the owner's limits."""
    size = size_of(req.offering, req.details)
    check_userdata(req.userdata)
    check_keypairs(session, owner, req.keypairs)
    for group in req.affinity_groups:
        # Domain-wide groups (ExplicitDedication of a domain) serve the domain's accounts.
        shared = group.acl_type == "Domain" and owner.domain_path.startswith(group.domain_path)
        if group.account_id != owner.account_id and not shared:
            raise PermissionDenied(f"Affinity group {group.name} belongs to another account")
    if req.name is not None and not HOSTNAME.match(req.name):
        raise InvalidParameter(
            f"Invalid name {req.name!r}: a host name of letters, digits and '-', "
            "starting with a letter, at most 63 characters"
        )
    vm = VMInstance(
        instance_name=f"pending-{id(req)}-{owner.account_id}",
        name=req.name or "pending",
        display_name=req.display_name,
        vm_type=VmType.USER,
        state="Stopped",
        zone_id=req.zone.id,
        hypervisor=req.template.hypervisor,
        service_offering_id=req.offering.id,
        template_id=req.template.id,
        guest_os_id=req.template.guest_os_id,
        cpu_number=size.cpu_number,
        cpu_speed=size.cpu_speed,
        memory_mb=size.memory_mb,
        ha_enabled=req.offering.offer_ha,
        limit_cpu_use=req.offering.limit_cpu_use,
        display_vm=req.display_vm,
        user_data=req.userdata,
        ssh_keypair_names=",".join(req.keypairs) or None,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        project_id=project_of(session, owner),
    )
    session.add(vm)
    session.flush()
    vm.instance_name = f"i-{owner.account_id}-{vm.id}-VM"
    if req.name is None:
        vm.name = f"VM-{vm.uuid}"
    vm.display_name = vm.display_name or vm.name
    instance_groups.assign(session, vm, req.group, vm.project_id)
    disks = _disks(req)
    _volumes(session, owner, vm, req, disks)
    _nics(session, vm, req)
    for group in req.affinity_groups:
        session.add(AffinityGroupVmMap(group_id=group.id, instance_id=vm.id))
    for sg in req.security_groups:
        session.add(SecurityGroupVm(group_id=sg.id, vm_id=vm.id))
    session.flush()
    # Charged last: every deployment of the account (and of its whole domain
    # chain) updates the same counter rows, which stay locked until COMMIT.
    charges.charge_vm(session, config, vm, tuple(size for _kind, size, _off in disks))
    events.record(
        session,
        caller,
        "VM.CREATE",
        f"Created VM {vm.name}",
        resource_type="VirtualMachine",
        resource_uuid=vm.uuid,
        account_id=vm.account_id,
        domain_id=vm.domain_id,
        domain_path=vm.domain_path,
    )
    return vm


Disk = tuple[str, int, int | None]  # (volume type, bytes, disk offering id)


def _disks(req: DeployRequest) -> list[Disk]:
    """The VM's disks, sizes checked (before anything is charged)."""
    disks: list[Disk] = [("ROOT", _root_size(req), None)]
    if req.disk_offering is not None:
        disks.append(("DATADISK", _data_size(req), req.disk_offering.id))
    return disks


def _volumes(
    session: Session, owner: Owner, vm: VMInstance, req: DeployRequest, disks: list[Disk]
) -> None:
    """The volumes' rows; ``create`` charges them with the VM."""
    for device, (kind, size, offering_id) in enumerate(disks):
        session.add(
            Volume(
                name=f"{'ROOT' if kind == 'ROOT' else 'DATA'}-{vm.id}",
                volume_type=kind,
                state="Allocated",
                size=size,
                zone_id=vm.zone_id,
                instance_id=vm.id,
                device_id=device,
                attached=utcnow(),
                disk_offering_id=offering_id,
                template_id=req.template.id if kind == "ROOT" else None,
                format=req.template.format,
                account_id=owner.account_id,
                domain_id=owner.domain_id,
                domain_path=owner.domain_path,
            )
        )


def _nics(session: Session, vm: VMInstance, req: DeployRequest) -> None:
    for device, network in enumerate(req.networks):
        ip = req.ips.get(network.id)
        pod_addressed = network.cidr is None and network.guest_type == "Shared"
        nic = nics.allocate_nic(
            session,
            network,
            vm.id,
            ip=None if pod_addressed else ip,
            is_default=device == 0,
            device_id=device,
        )
        if pod_addressed and ip is not None:
            # Basic zone: the address decides the pod (start keeps the VM there).
            vlan = nics.range_of(session, network, ip)
            assert vlan.pod_id is not None
            nics.assign_pod_address(session, nic, network, vlan.pod_id, ip)


def project_of(session: Session, owner: Owner) -> int | None:
    if owner.account.type != AccountType.PROJECT:
        return None
    return session.execute(
        select(Project.id).where(Project.account_id == owner.account_id)
    ).scalar_one_or_none()


def flatten(raw: dict[int, dict[str, str]] | None) -> dict[str, Any]:
    """``details[0].cpuNumber=2`` → ``{"cpunumber": "2"}`` (keys lower-cased by the parser)."""
    out: dict[str, Any] = {}
    for _, entry in sorted((raw or {}).items()):
        out.update({k.lower(): v for k, v in entry.items()})
    return out
