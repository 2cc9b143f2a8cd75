"""System VMs: the secondary-storage VM and the console proxy of each zone.

The database side: whether a zone can have them, creating the rows with their
addresses, starting/stopping through the driver, destroying. The periodic
task that keeps one of each running per zone is ``system_vm_monitor``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.db.models.host import Host
from cumulo.db.models.image_store import ImageStore
from cumulo.db.models.pod import Pod
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.storage_pool import StoragePool
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.zone import Zone
from cumulo.drivers.base import VmSpec
from cumulo.errors import InvalidParameter
from cumulo.services import builtin_templates, public_ips
from cumulo.services.placement import capacity
from cumulo.services.states import vm as vm_states

TYPES = (VmType.SECONDARY_STORAGE, VmType.CONSOLE_PROXY)
PREFIX = {VmType.SECONDARY_STORAGE: "s", VmType.CONSOLE_PROXY: "v"}
OFFERING = {VmType.SECONDARY_STORAGE: "secondarystoragevm", VmType.CONSOLE_PROXY: "consoleproxy"}
WIRE_TYPE = {VmType.SECONDARY_STORAGE: "secondarystoragevm", VmType.CONSOLE_PROXY: "consoleproxy"}
LIVE: tuple[str, ...] = (
    vm_states.STOPPED,
    vm_states.STARTING,
    vm_states.RUNNING,
    vm_states.STOPPING,
)
LIVE += (vm_states.MIGRATING, vm_states.ERROR)
MiB = 1024**2


@dataclass(frozen=True)
class Blocker:
    """Why a zone has no system VMs; ``template`` marks the case the operator must fix."""

    reason: str
    template: bool = False


def zone_system_template(session: Session, zone: Zone) -> VMTemplate | None:
    """The newest Active SYSTEM template downloaded in the zone.

    Chosen per zone, not one region-wide row: a system VM template registered
    per zone (rather than cross-zone) must not leave the other zones unable to
    recreate their system VMs, the failure operators hit after upgrades.
    """
    return (
        session.execute(
            select(VMTemplate)
            .join(TemplateStoreRef, TemplateStoreRef.template_id == VMTemplate.id)
            .where(
                VMTemplate.template_type == "SYSTEM",
                VMTemplate.removed.is_(None),
                VMTemplate.state == "Active",
                TemplateStoreRef.zone_id == zone.id,
                TemplateStoreRef.download_state == "DOWNLOADED",
            )
            .order_by(VMTemplate.id.desc())
        )
        .scalars()
        .first()
    )


def template_blocker(session: Session, zone: Zone) -> Blocker | None:
    if zone_system_template(session, zone) is not None:
        return None
    refs = list(
        session.execute(
            select(TemplateStoreRef)
            .join(VMTemplate, VMTemplate.id == TemplateStoreRef.template_id)
            .where(
                VMTemplate.template_type == "SYSTEM",
                VMTemplate.removed.is_(None),
                TemplateStoreRef.zone_id == zone.id,
            )
        ).scalars()
    )
    if any(r.download_state in ("NOT_DOWNLOADED", "DOWNLOAD_IN_PROGRESS") for r in refs):
        return Blocker("the system VM template is still downloading")
    system = builtin_templates.find_system_template(session)
    detail = next((r.error_text for r in refs if r.error_text), None)
    fix = (
        f"copy it with copyTemplate id={system.uuid} destzoneid={zone.uuid}"
        if system is not None
        else "register one with registerTemplate templatetype=SYSTEM zoneid=-1"
    )
    return Blocker(
        f"system VM template missing in zone {zone.name}"
        + (f" ({detail})" if detail else "")
        + f": {fix}",
        template=True,
    )


def blocker(session: Session, zone: Zone) -> Blocker | None:
    """None when the zone can run system VMs, else why not."""
    if zone.allocation_state != "Enabled":
        return Blocker("zone is not Enabled")
    if not _first(
        session,
        select(ImageStore.id).where(
            ImageStore.zone_id == zone.id, ImageStore.removed.is_(None), ImageStore.role == "Image"
        ),
    ):
        return Blocker("zone has no image store")
    if not up_hosts(session, zone.id):
        return Blocker("zone has no Up host")
    if not _first(
        session,
        select(StoragePool.id).where(
            StoragePool.zone_id == zone.id,
            StoragePool.removed.is_(None),
            StoragePool.status == "Up",
        ),
    ):
        return Blocker("zone has no Up primary storage")
    return template_blocker(session, zone)


def _first(session: Session, stmt) -> object:  # type: ignore[no-untyped-def]
    return session.execute(stmt.limit(1)).first()


def up_hosts(session: Session, zone_id: int) -> list[Host]:
    return list(
        session.execute(
            select(Host).where(
                Host.zone_id == zone_id,
                Host.type == "Routing",
                Host.status == "Up",
                Host.resource_state == "Enabled",
                Host.removed.is_(None),
            )
        ).scalars()
    )


def live_vms(session: Session, zone_id: int) -> list[VMInstance]:
    return list(
        session.execute(
            select(VMInstance).where(
                VMInstance.zone_id == zone_id,
                VMInstance.vm_type.in_(TYPES),
                VMInstance.removed.is_(None),
                VMInstance.state.in_(LIVE),
            )
        ).scalars()
    )


def _offering(session: Session, vm_type: str) -> ServiceOffering:
    row = (
        session.execute(
            select(ServiceOffering)
            .where(
                ServiceOffering.is_system.is_(True),
                ServiceOffering.system_vm_type == OFFERING[vm_type],
                ServiceOffering.removed.is_(None),
            )
            .order_by(ServiceOffering.id)
        )
        .scalars()
        .first()
    )
    assert row is not None, "seeded system offering missing"
    return row


def _free_ip(first: str | None, last: str | None, taken: set[str]) -> str | None:
    if not first or not last:
        return None
    ip, end = ipaddress.IPv4Address(first), ipaddress.IPv4Address(last)
    while ip <= end:
        if str(ip) not in taken:
            return str(ip)
        ip += 1
    return None


def _private_address(session: Session, pod: Pod | None) -> str | None:
    """A private address from the pod range, not taken by a host or another VM.

    Pod ranges are small and only the system-VM monitor (one leader) takes
    from them, so a scan is fine.
    """
    if pod is None:
        return None
    hosts = select(Host.private_ip).where(Host.removed.is_(None), Host.private_ip.is_not(None))
    vms = select(VMInstance.private_ip).where(
        VMInstance.removed.is_(None), VMInstance.private_ip.is_not(None)
    )
    used = {ip for q in (hosts, vms) for ip in session.execute(q).scalars() if ip}
    return _free_ip(pod.start_ip, pod.end_ip, used)


def create(session: Session, zone: Zone, vm_type: str) -> VMInstance:
    """A Stopped system VM row named s-/v-<id>-VM, with its addresses."""
    from cumulo.db.models.account import Account

    offering = _offering(session, vm_type)
    system = session.execute(select(Account).where(Account.name == "system")).scalars().first()
    assert system is not None
    template = zone_system_template(session, zone)
    assert template is not None, "checked by blocker()"
    pod = (
        session.execute(
            select(Pod).where(Pod.zone_id == zone.id, Pod.removed.is_(None)).order_by(Pod.id)
        )
        .scalars()
        .first()
    )
    private = _private_address(session, pod)
    # A row in public_ip like tenants' addresses: the same constraint keeps them apart.
    public = public_ips.allocate_system(session, zone, system.id, system.domain_id)
    vm = VMInstance(
        instance_name=f"tmp-{zone.id}-{vm_type}-{len(live_vms(session, zone.id))}",
        name="pending",
        vm_type=vm_type,
        state=vm_states.STOPPED,
        zone_id=zone.id,
        pod_id=pod.id if pod else None,
        hypervisor=template.hypervisor,
        service_offering_id=offering.id,
        template_id=template.id,
        guest_os_id=template.guest_os_id,
        cpu_number=offering.cpu_number or 1,
        cpu_speed=offering.cpu_speed or 500,
        memory_mb=offering.memory or 512,
        account_id=system.id,
        domain_id=system.domain_id,
        domain_path="/",
        private_ip=private,
        public_ip=public,
        link_local_ip=f"169.254.{len(live_vms(session, zone.id)) % 250 + 1}.{zone.id % 250 + 2}",
    )
    session.add(vm)
    session.flush()
    vm.instance_name = vm.name = f"{PREFIX[vm_type]}-{vm.id}-VM"
    session.flush()
    return vm


def pick_host(session: Session, vm: VMInstance, exclude: int | None = None) -> Host | None:
    """The Up host of the zone with the most free memory that fits the VM."""
    need = vm.memory_mb * MiB
    best = None
    for host in up_hosts(session, vm.zone_id):
        free = host.total_memory - host.memory_allocated
        if host.id != exclude and free >= need and (best is None or free > best[0]):
            best = (free, host)
    return best[1] if best else None


def reserve(session: Session, vm: VMInstance, host: Host) -> None:
    vm_states.STATE.apply(
        session, vm, "start", host_id=host.id, pod_id=host.pod_id, cluster_id=host.cluster_id
    )
    count_on(session, vm, host.id)


def count_on(session: Session, vm: VMInstance, host_id: int) -> None:
    # In-place UPDATEs: a tenant deployment on the same host at the same time
    # must not overwrite this increment (pick_host already checked the fit).
    capacity.reserve_host_forced(session, host_id, vm.cpu_number * vm.cpu_speed, vm.memory_mb * MiB)


def release(session: Session, vm: VMInstance) -> None:
    """Give back the capacity the VM holds on its host."""
    if vm.host_id:
        capacity.release_host(session, vm.host_id, vm.cpu_number * vm.cpu_speed, vm.memory_mb * MiB)
    vm.last_host_id = vm.host_id or vm.last_host_id
    vm.host_id = None


def spec(vm: VMInstance) -> VmSpec:
    return VmSpec(
        vm.instance_name,
        vm.cpu_number,
        vm.cpu_speed,
        vm.memory_mb * MiB,
        {"type": vm.vm_type, "privateip": vm.private_ip or "", "publicip": vm.public_ip or ""},
    )


def change_offering(vm: VMInstance, offering: ServiceOffering) -> None:
    """A Stopped system VM takes a new system offering of its own type."""
    if offering.removed is not None or not offering.is_system:
        raise InvalidParameter("Choose a system service offering (issystem=true)")
    if offering.system_vm_type != OFFERING[vm.vm_type]:
        raise InvalidParameter(
            f"Service offering {offering.name} is for {offering.system_vm_type} VMs, "
            f"not {OFFERING[vm.vm_type]}"
        )
    if vm.state != vm_states.STOPPED:
        raise InvalidParameter(
            f"{vm.instance_name} is {vm.state}; system VMs don't scale while running: stop it first"
        )
    vm.service_offering_id = offering.id
    vm.cpu_number = offering.cpu_number or vm.cpu_number
    vm.cpu_speed = offering.cpu_speed or vm.cpu_speed
    vm.memory_mb = offering.memory or vm.memory_mb
