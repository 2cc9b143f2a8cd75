"""Virtual routers of isolated networks: a ``vm_instance`` row of type DomainRouter.

The database part (row, host reservation, NICs on the guest network at its
gateway and on the zone's public network at the source-NAT address) happens
in the implementing transaction; the driver calls (start, stop, reboot) run
in the job outside any transaction, and their outcome is stored afterwards.
Placement is deliberately simple: the Up, Enabled routing host of the zone
with the most free memory.
"""

from __future__ import annotations

import ipaddress
import uuid

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.dedicated_resource import DedicatedResource
from cumulo.db.models.domain import Domain
from cumulo.db.models.host import Host
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.vlan import Vlan
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.drivers.base import (
    COMMAND_REBOOT,
    COMMAND_START,
    COMMAND_STOP,
    Answer,
    Mock,
    VmSpec,
)
from cumulo.drivers.registry import driver_for
from cumulo.errors import InsufficientCapacity
from cumulo.services import nics, simulator_mocks
from cumulo.services.placement import dedication
from cumulo.services.resource_owner import Owner
from cumulo.services.vms.common import Tx

MIB = 1024 * 1024
SYSTEM_ACCOUNT_ID = 1


def router_offering(session: Session, network: Network) -> ServiceOffering:
    offering = session.get(NetworkOffering, network.network_offering_id)
    if offering is not None and offering.service_offering_id:
        found = session.get(ServiceOffering, offering.service_offering_id)
        if found is not None:
            return found
    return session.execute(
        select(ServiceOffering)
        .where(
            ServiceOffering.system_vm_type == "domainrouter", ServiceOffering.is_system.is_(True)
        )
        .order_by(ServiceOffering.default_use.desc(), ServiceOffering.id)
        .limit(1)
    ).scalar_one()


def pick_host(session: Session, zone_id: int, memory_mb: int, account_id: int) -> Host:
    """The Up host with the most free memory, kept off resources dedicated to anyone
    but the network's owner and preferring the owner's own dedicated hosts."""
    need = memory_mb * MIB
    conditions = [
        Host.zone_id == zone_id,
        Host.removed.is_(None),
        Host.type == "Routing",
        Host.status == "Up",
        Host.resource_state == "Enabled",
        Host.total_memory - Host.memory_allocated >= need,
    ]
    order = [(Host.total_memory - Host.memory_allocated).desc(), Host.id]
    rule = _owner_rule(session, account_id)
    if rule is not None:
        conditions += dedication.owner_clauses(rule)
        order.insert(0, case((dedication.owner_preferred(rule), 0), else_=1))
    host = session.execute(
        select(Host).where(*conditions).order_by(*order).limit(1)
    ).scalar_one_or_none()
    if host is None:
        raise InsufficientCapacity(
            "No Up host with free capacity in the zone for the virtual router (hosts dedicated "
            "to other owners excluded); add or enable a host"
        )
    return host


def _owner_rule(session: Session, account_id: int) -> dedication.OwnerRule | None:
    """None (no filter) while nothing is dedicated anywhere."""
    if session.execute(select(DedicatedResource.id).limit(1)).first() is None:
        return None
    account = session.get(Account, account_id)
    assert account is not None
    domain = session.get(Domain, account.domain_id)
    assert domain is not None
    root = account.type == AccountType.ADMIN and domain.id == Domain.ROOT_ID
    return dedication.OwnerRule(account.id, domain.path, root)


def _reserve(session: Session, host: Host, memory_mb: int, speed: int, sign: int) -> None:
    session.execute(
        update(Host)
        .where(Host.id == host.id)
        .values(
            memory_allocated=Host.memory_allocated + sign * memory_mb * MIB,
            cpu_allocated=Host.cpu_allocated + sign * speed,
        )
    )


def public_network(session: Session, vlan: Vlan) -> Network:
    """The system Public network of a public range (made on first use)."""
    net = ipaddress.ip_network(f"{vlan.gateway}/{vlan.netmask}", strict=False)
    found = session.execute(
        select(Network)
        .where(
            Network.zone_id == vlan.zone_id,
            Network.traffic_type == "Public",
            Network.is_system.is_(True),
            Network.start_ip == vlan.start_ip,
            Network.removed.is_(None),
        )
        .order_by(Network.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return found
    row = Network(
        name=f"public-{vlan.uuid}",
        zone_id=vlan.zone_id,
        physical_network_id=vlan.physical_network_id,
        network_offering_id=0,
        traffic_type="Public",
        state="Setup",
        broadcast_uri=vlan.vlan_tag if vlan.vlan_tag.startswith("vlan://") else None,
        cidr=str(net),
        gateway=vlan.gateway,
        netmask=vlan.netmask,
        start_ip=vlan.start_ip,
        end_ip=vlan.end_ip,
        is_system=True,
        account_id=SYSTEM_ACCOUNT_ID,
        domain_id=1,
        domain_path="/",
    )
    session.add(row)
    session.flush()
    return row


def create(session: Session, network: Network, owner: Owner, snat: PublicIp | None) -> VMInstance:
    """The router row with its host reserved and its NICs; state Starting."""
    so = router_offering(session, network)
    memory, cpus, speed = so.memory or 256, so.cpu_number or 1, so.cpu_speed or 500
    host = pick_host(session, network.zone_id, memory, owner.account_id)
    name = f"r-{uuid.uuid4().hex[:10]}-VM"
    router = VMInstance(
        instance_name=name,
        name=name,
        vm_type=VmType.ROUTER,
        state="Starting",
        zone_id=network.zone_id,
        pod_id=host.pod_id,
        cluster_id=host.cluster_id,
        host_id=host.id,
        hypervisor=host.hypervisor,
        service_offering_id=so.id,
        cpu_number=cpus,
        cpu_speed=speed,
        memory_mb=memory,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    session.add(router)
    session.flush()
    _reserve(session, host, memory, cpus * speed, +1)
    nics.allocate_nic(
        session,
        network,
        router.id,
        instance_type=VmType.ROUTER,
        ip=network.gateway,
        allow_gateway=True,
        device_id=0,
    )
    if snat is not None:
        vlan = session.get(Vlan, snat.vlan_id)
        assert vlan is not None
        nics.allocate_nic(
            session,
            public_network(session, vlan),
            router.id,
            instance_type=VmType.ROUTER,
            ip=snat.address,
            is_default=True,
            device_id=2,
        )
    return router


def of_network(session: Session, network_id: int) -> list[VMInstance]:
    from cumulo.db.models.nic import Nic

    ids = select(Nic.instance_id).where(
        Nic.network_id == network_id, Nic.instance_type == VmType.ROUTER, Nic.removed.is_(None)
    )
    return list(
        session.execute(
            select(VMInstance).where(VMInstance.id.in_(ids), VMInstance.removed.is_(None))
        ).scalars()
    )


def release(session: Session, router: VMInstance) -> None:
    """Drop the router row, its NICs and its host reservation (it is no longer running)."""
    if router.host_id is not None:
        host = session.get(Host, router.host_id)
        if host is not None:
            _reserve(session, host, router.memory_mb, router.cpu_number * router.cpu_speed, -1)
    nics.release_nics(session, router.id)
    router.last_host_id = router.host_id
    router.host_id = None
    router.state = "Expunging"
    router.mark_removed()


def spec(router: VMInstance) -> VmSpec:
    return VmSpec(router.instance_name, router.cpu_number, router.cpu_speed, router.memory_mb * MIB)


def start_on_host(session_run: Tx[tuple[str, str, VmSpec, Mock | None]], router_id: int) -> Answer:
    """Start the router on its host through the driver (outside any transaction)."""

    def prepare(s: Session) -> tuple[str, str, VmSpec, Mock | None]:
        router = s.get(VMInstance, router_id)
        assert router is not None and router.host_id is not None
        host = s.get(Host, router.host_id)
        assert host is not None
        return (
            host.hypervisor or "simulator",
            host.guid,
            spec(router),
            simulator_mocks.take(s, COMMAND_START, host),
        )

    hypervisor, guid, vm_spec, mock = session_run(prepare)
    return driver_for(hypervisor).start_vm(guid, vm_spec, mock=mock)


def stop_on_host(
    session_run: Tx[tuple[str, str, str, Mock | None] | None], router_id: int, force: bool = False
) -> Answer:
    def prepare(s: Session) -> tuple[str, str, str, Mock | None] | None:
        router = s.get(VMInstance, router_id)
        assert router is not None
        if router.host_id is None:
            return None
        host = s.get(Host, router.host_id)
        assert host is not None
        mock = simulator_mocks.take(s, COMMAND_STOP, host)
        return host.hypervisor or "simulator", host.guid, router.instance_name, mock

    found = session_run(prepare)
    if found is None:
        return Answer(True)
    hypervisor, guid, name, mock = found
    return driver_for(hypervisor).stop_vm(guid, name, force=force, mock=mock)


def reboot_on_host(session_run: Tx[tuple[str, str, str, Mock | None]], router_id: int) -> Answer:
    def prepare(s: Session) -> tuple[str, str, str, Mock | None]:
        router = s.get(VMInstance, router_id)
        assert router is not None and router.host_id is not None
        host = s.get(Host, router.host_id)
        assert host is not None
        mock = simulator_mocks.take(s, COMMAND_REBOOT, host)
        return host.hypervisor or "simulator", host.guid, router.instance_name, mock

    hypervisor, guid, name, mock = session_run(prepare)
    return driver_for(hypervisor).reboot_vm(guid, name, mock=mock)


def place(session: Session, router: VMInstance) -> None:
    """A stopped router gets a host again before it starts."""
    host = pick_host(session, router.zone_id, router.memory_mb, router.account_id)
    router.host_id = host.id
    router.pod_id, router.cluster_id, router.hypervisor = (
        host.pod_id,
        host.cluster_id,
        host.hypervisor,
    )
    _reserve(session, host, router.memory_mb, router.cpu_number * router.cpu_speed, +1)


def unplace(session: Session, router: VMInstance) -> None:
    """A stopped router holds no host capacity."""
    if router.host_id is not None:
        host = session.get(Host, router.host_id)
        if host is not None:
            _reserve(session, host, router.memory_mb, router.cpu_number * router.cpu_speed, -1)
    router.last_host_id = router.host_id
    router.host_id = None


def running_router(session: Session, network_id: int) -> tuple[str, str, str, Host] | None:
    """(hypervisor, host guid, router name, host) of the network's running router."""
    for router in of_network(session, network_id):
        if router.state == "Running" and router.host_id is not None:
            host = session.get(Host, router.host_id)
            if host is not None:
                return host.hypervisor or "simulator", host.guid, router.instance_name, host
    return None
