"""A simulator zone with hosts, pools, a template and a network, for VM tests.

The zone, hosts and pools are built through the API. The template and the
guest network are TEST FIXTURES inserted as rows, standing in for the template
and network services being built in parallel.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from tests.infra_helpers import add_host, make_cluster, make_pod, make_zone, wait_hosts_up
from tests.support.client import ApiClient
from tests.support.cloud import Cloud

GiB = 1024**3


@dataclass
class Env:
    zone: dict[str, Any]
    pod: dict[str, Any]
    clusters: list[dict[str, Any]]
    hosts: list[dict[str, Any]]
    offering: dict[str, Any]
    template_id: str
    network_id: str
    pools: list[dict[str, Any]] = field(default_factory=list)


def build(
    cloud: Cloud,
    *,
    clusters: int = 1,
    hosts_per_cluster: int = 2,
    host_query: str = "",
    account_id: int = 2,
    cidr: str = "10.1.1.0/24",
) -> Env:
    api = cloud.admin
    zone = make_zone(api, guestcidraddress="10.1.1.0/24")
    pod = make_pod(api, zone["id"])
    made_clusters, hosts, pools = [], [], []
    for c in range(clusters):
        cluster = make_cluster(api, zone["id"], pod["id"], name=f"C{c}")
        made_clusters.append(cluster)
        for h in range(hosts_per_cluster):
            url = f"http://sim/c{c}/h{h}{host_query}"
            hosts.append(add_host(api, zone["id"], pod["id"], cluster["id"], url))
        wait_hosts_up(api, hosts_per_cluster, clusterid=cluster["id"])
        pools.append(
            api.call(
                "createStoragePool",
                zoneid=zone["id"],
                podid=pod["id"],
                clusterid=cluster["id"],
                name=f"PS{c}",
                scope="cluster",
                url=f"nfs://10.147.28.6/export/c{c}",
            )["storagepool"]
        )
    api.call(
        "addImageStore",
        zoneid=zone["id"],
        name="sec",
        provider="NFS",
        url="nfs://10.147.28.6/export/secondary",
    )
    api.call("updateZone", id=zone["id"], allocationstate="Enabled")
    offering = api.call(
        "createServiceOffering", name="small", cpunumber=1, cpuspeed=500, memory=512
    )["serviceoffering"]
    template_id = insert_template(cloud, zone["id"])
    network_id = insert_network(cloud, zone["id"], account_id, cidr)
    return Env(zone, pod, made_clusters, hosts, offering, template_id, network_id, pools)


def insert_template(cloud: Cloud, zone_uuid: str, size: int = 2 * GiB) -> str:
    """TEST FIXTURE: a public template already DOWNLOADED to the zone's image store."""
    from sqlalchemy import select

    from cumulo.db.models.image_store import ImageStore
    from cumulo.db.models.zone import Zone

    def work(s):  # type: ignore[no-untyped-def]
        zone = s.execute(select(Zone).where(Zone.uuid == zone_uuid)).scalar_one()
        store = s.execute(select(ImageStore).where(ImageStore.zone_id == zone.id)).scalars().first()
        tpl = VMTemplate(
            name="tiny-linux",
            display_text="tiny linux",
            format="QCOW2",
            hypervisor="Simulator",
            size=size,
            is_public=True,
            is_featured=True,
            account_id=1,
            domain_id=1,
            domain_path="/",
        )
        s.add(tpl)
        s.flush()
        s.add(
            TemplateStoreRef(
                template_id=tpl.id,
                store_id=store.id,
                zone_id=zone.id,
                download_state="DOWNLOADED",
                download_pct=100,
                state="Ready",
                physical_size=size,
            )
        )
        return tpl.uuid

    return cloud.rt.db.run(work)  # type: ignore[no-any-return]


def insert_network(cloud: Cloud, zone_uuid: str, account_id: int, cidr: str) -> str:
    """TEST FIXTURE: an isolated guest network of the account, as createNetwork will make."""
    import ipaddress

    from sqlalchemy import select

    from cumulo.db.models.account import Account
    from cumulo.db.models.domain import Domain
    from cumulo.db.models.zone import Zone

    net = ipaddress.ip_network(cidr)
    gateway = str(net.network_address + 1)

    def work(s):  # type: ignore[no-untyped-def]
        zone = s.execute(select(Zone).where(Zone.uuid == zone_uuid)).scalar_one()
        offering = s.execute(
            select(NetworkOffering).where(
                NetworkOffering.name == "DefaultIsolatedNetworkOfferingWithSourceNatService"
            )
        ).scalar_one()
        account = s.get(Account, account_id)
        domain = s.get(Domain, account.domain_id)
        row = Network(
            name=f"net-{account.name}",
            display_text="guest",
            zone_id=zone.id,
            network_offering_id=offering.id,
            traffic_type="Guest",
            guest_type="Isolated",
            state="Implemented",
            broadcast_uri="vlan://100",
            cidr=cidr,
            gateway=gateway,
            netmask=str(net.netmask),
            account_id=account.id,
            domain_id=domain.id,
            domain_path=domain.path,
        )
        s.add(row)
        s.flush()
        return row.uuid

    return cloud.rt.db.run(work)  # type: ignore[no-any-return]


def deploy(api: ApiClient, env: Env, **params: Any) -> dict[str, Any]:
    args = {
        "zoneid": env.zone["id"],
        "serviceofferingid": env.offering["id"],
        "templateid": env.template_id,
        "networkids": env.network_id,
    }
    args.update(params)
    return api.run("deployVirtualMachine", **args)


def wait_state(api: ApiClient, vm_id: str, state: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    vm: dict[str, Any] = {}
    while time.monotonic() < deadline:
        vm = api.call("listVirtualMachines", id=vm_id, listall=True)["virtualmachine"][0]
        if vm["state"] == state:
            return vm
        time.sleep(0.05)
    raise AssertionError(f"VM {vm_id} is {vm.get('state')}, expected {state}")


def guest_allocation(cloud: Cloud, host_uuid: str) -> tuple[int, int]:
    """(CPU MHz, memory bytes) the host has allocated to guest VMs.

    The zone's system VMs start whenever the monitor gets to them and may land
    on any host: their share is taken out of the host's figures (read in one
    transaction, so the two always agree).
    """
    from sqlalchemy import func, select

    from cumulo.db.models.host import Host
    from cumulo.db.models.vm import VMInstance

    def work(s):  # type: ignore[no-untyped-def]
        host = s.execute(select(Host).where(Host.uuid == host_uuid)).scalar_one()
        cpu, mem = s.execute(
            select(
                func.coalesce(func.sum(VMInstance.cpu_number * VMInstance.cpu_speed), 0),
                func.coalesce(func.sum(VMInstance.memory_mb), 0),
            ).where(
                VMInstance.host_id == host.id,
                VMInstance.vm_type != "User",
                VMInstance.removed.is_(None),
            )
        ).one()
        return host.cpu_allocated - cpu, host.memory_allocated - mem * 1024 * 1024

    return cloud.rt.db.run(work, write=False)  # type: ignore[no-any-return]
