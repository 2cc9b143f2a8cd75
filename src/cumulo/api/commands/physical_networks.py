"""Physical network, traffic type and network service provider commands (§6.9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import LIST, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.views.physical_network import (
    physical_network_view,
    traffic_type_view,
)
from cumulo.db.models.domain import Domain
from cumulo.db.models.physical_network import PhysicalNetwork, TrafficType
from cumulo.db.models.zone import Zone
from cumulo.jobs.context import JobRun
from cumulo.services import events
from cumulo.services import physical_networks as pnets
from cumulo.services.infra_common import must_get


def net_item(s: Session, net: PhysicalNetwork) -> dict[str, Any]:
    zone = s.get(Zone, net.zone_id)
    domain = s.get(Domain, net.domain_id) if net.domain_id else None
    vlan = pnets.vlan_text(s, [net.id]).get(net.id)
    return physical_network_view(
        net, (zone.uuid, zone.name) if zone else ("", ""), vlan, domain.uuid if domain else None
    )


def net_uuid(s: Session, net_id: int) -> str:
    return s.execute(select(PhysicalNetwork.uuid).where(PhysicalNetwork.id == net_id)).scalar_one()


@command(
    "createPhysicalNetwork",
    params=[
        Param(
            "broadcastdomainrange", STRING, description="the broadcast domain range: ZONE or POD"
        ),
        Param(
            "domainid",
            UUID,
            entity="Domain",
            description="domain ID of the account owning the network",
        ),
        Param("isolationmethods", LIST, collection=STRING, description="the isolation method(s)"),
        Param("name", STRING, required=True, description="the name of the physical network"),
        Param("networkspeed", STRING, description="the speed for the physical network[1G/10G]"),
        Param("tags", LIST, collection=STRING, description="Tag the physical network"),
        Param("vlan", STRING, description="the VLAN for the physical network"),
        Param(
            "zoneid",
            UUID,
            required=True,
            entity="Zone",
            description="the Zone ID for the physical network",
        ),
    ],
    kind=Kind.ASYNC_CREATE,
    object_name="physicalnetwork",
    instance_type="PhysicalNetwork",
    response_class="PhysicalNetworkResponse",
)
def create_physical_network(call: Call, args: Args) -> Enqueue:
    """Creates a physical network"""
    net = pnets.create(
        call.db,
        call.caller,
        args.zoneid,
        args.name,
        isolation=args.isolationmethods,
        vlan=args.vlan,
        broadcast=args.broadcastdomainrange,
        speed=args.networkspeed,
        tags=args.tags,
        domain_id=args.domainid.id if args.domainid else None,
    )
    return Enqueue({"id": net.id}, instance_uuid=net.uuid)


@create_physical_network.execute
def _create_physical_network(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    # The row and its default providers were written with the job; nothing is left to do
    # but answer (CloudStack's create phase does the same work synchronously).
    return ObjectResult(
        job.transaction(lambda s: net_item(s, must_get(s, PhysicalNetwork, payload["id"])))
    )


@command(
    "updatePhysicalNetwork",
    params=[
        Param(
            "id", UUID, required=True, entity="PhysicalNetwork", description="physical network id"
        ),
        Param("networkspeed", STRING, description="the speed for the physical network[1G/10G]"),
        Param("state", STRING, description="Enabled/Disabled"),
        Param("tags", LIST, collection=STRING, description="Tag the physical network"),
        Param("vlan", STRING, description="the VLAN for the physical network"),
    ],
    kind=Kind.ASYNC,
    object_name="physicalnetwork",
    instance_type="PhysicalNetwork",
    response_class="PhysicalNetworkResponse",
)
def update_physical_network(call: Call, args: Args) -> Enqueue:
    """Updates a physical network"""
    # Validate now so a bad value is a 431 and not a failed job.
    if args.state is not None:
        pnets.choice(args.state, pnets.STATES, "state")
    if args.vlan is not None:
        pnets.check_vlans(call.db, args.id, args.vlan)
    payload = {
        "id": args.id.id,
        "state": args.state,
        "vlan": args.vlan,
        "speed": args.networkspeed,
        "tags": args.tags,
    }
    return Enqueue(payload, instance_uuid=args.id.uuid)


@update_physical_network.execute
def _update_physical_network(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        net = pnets.update(
            s,
            job.caller,
            must_get(s, PhysicalNetwork, p["id"]),
            state=p["state"],
            vlan=p["vlan"],
            speed=p["speed"],
            tags=p["tags"],
        )
        return net_item(s, net)

    return ObjectResult(job.transaction(work))


@command(
    "deletePhysicalNetwork",
    params=[
        Param(
            "id",
            UUID,
            required=True,
            entity="PhysicalNetwork",
            description="the ID of the Physical network",
        )
    ],
    kind=Kind.ASYNC,
    instance_type="PhysicalNetwork",
    response_class="SuccessResponse",
)
def delete_physical_network(call: Call, args: Args) -> Enqueue:
    """Deletes a Physical Network."""
    pnets.check_deletable(call.db, args.id)
    return Enqueue({"id": args.id.id}, instance_uuid=args.id.uuid)


@delete_physical_network.execute
def _delete_physical_network(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    def work(s: Session) -> None:
        net = s.get(PhysicalNetwork, p["id"])
        if net is not None:  # gone already: an earlier attempt finished
            pnets.delete(s, job.caller, net)

    job.transaction(work)
    return SuccessResult()


@command(
    "listPhysicalNetworks",
    params=[
        Param("id", UUID, entity="PhysicalNetwork", description="list physical network by id"),
        Param("name", STRING, description="search by name"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the physical network"),
    ],
    is_list=True,
    object_name="physicalnetwork",
    response_class="PhysicalNetworkResponse",
)
def list_physical_networks(call: Call, args: Args) -> ListResult:
    """Lists physical networks"""
    stmt = select(PhysicalNetwork)
    if args.id is not None:
        stmt = stmt.where(PhysicalNetwork.id == args.id.id)
    if args.zoneid is not None:
        stmt = stmt.where(PhysicalNetwork.zone_id == args.zoneid.id)
    if args.name is not None:
        stmt = stmt.where(PhysicalNetwork.name == args.name)
    if args.keyword:
        stmt = stmt.where(PhysicalNetwork.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(PhysicalNetwork.id), call, args)
    return ListResult([net_item(call.db, r[0]) for r in rows], count)


# -- traffic types ------------------------------------------------------------------

_LABELS = [
    Param(
        f"{hv}networklabel",
        STRING,
        description=f"The network name label of the physical device dedicated to this "
        f"traffic on a {name} host",
    )
    for hv, name in (
        ("hyperv", "Hyperv"),
        ("kvm", "KVM"),
        ("ovm3", "OVM3"),
        ("vmware", "VMware"),
        ("xen", "XenServer"),
    )
]


def _labels(args: Args) -> dict[str, str | None]:
    return {
        "kvm_label": args.kvmnetworklabel,
        "xen_label": args.xennetworklabel,
        "vmware_label": args.vmwarenetworklabel,
        "hyperv_label": args.hypervnetworklabel,
        "ovm3_label": args.ovm3networklabel,
    }


@command(
    "addTrafficType",
    params=[
        *_LABELS,
        Param(
            "isolationmethod",
            STRING,
            description="Used if physical network has multiple isolation types",
        ),
        Param(
            "physicalnetworkid",
            UUID,
            required=True,
            entity="PhysicalNetwork",
            description="the Physical Network ID",
        ),
        Param(
            "traffictype",
            STRING,
            required=True,
            description="the trafficType to be added to the physical network",
        ),
        Param(
            "vlan",
            STRING,
            description="The VLAN id to be used for Management traffic by VMware host",
        ),
    ],
    kind=Kind.ASYNC_CREATE,
    object_name="traffictype",
    instance_type="TrafficType",
    response_class="TrafficTypeResponse",
)
def add_traffic_type(call: Call, args: Args) -> Enqueue:
    """Adds traffic type to a physical network"""
    tt = pnets.add_traffic_type(
        call.db,
        call.caller,
        args.physicalnetworkid,
        args.traffictype,
        _labels(args),
        args.isolationmethod,
        args.vlan,
    )
    return Enqueue({"id": tt.id}, instance_uuid=tt.uuid)


def _tt_item(s: Session, tt_id: int) -> dict[str, Any]:
    tt = s.get(TrafficType, tt_id)
    assert tt is not None
    return traffic_type_view(tt, net_uuid(s, tt.physical_network_id))


@add_traffic_type.execute
def _add_traffic_type(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return ObjectResult(job.transaction(lambda s: _tt_item(s, p["id"])))


@command(
    "updateTrafficType",
    params=[
        *_LABELS,
        Param("id", UUID, required=True, entity="TrafficType", description="traffic type id"),
    ],
    kind=Kind.ASYNC,
    object_name="traffictype",
    instance_type="TrafficType",
    response_class="TrafficTypeResponse",
)
def update_traffic_type(call: Call, args: Args) -> Enqueue:
    """Updates traffic type of a physical network"""
    return Enqueue({"id": args.id.id, "labels": _labels(args)}, instance_uuid=args.id.uuid)


@update_traffic_type.execute
def _update_traffic_type(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        tt = s.get(TrafficType, p["id"])
        for attr, value in p["labels"].items():
            if value is not None:
                setattr(tt, attr, value)
        s.flush()
        return _tt_item(s, p["id"])

    return ObjectResult(job.transaction(work))


@command(
    "deleteTrafficType",
    params=[Param("id", UUID, required=True, entity="TrafficType", description="traffic type id")],
    kind=Kind.ASYNC,
    instance_type="TrafficType",
    response_class="SuccessResponse",
)
def delete_traffic_type(call: Call, args: Args) -> Enqueue:
    """Deletes traffic type of a physical network"""
    return Enqueue({"id": args.id.id}, instance_uuid=args.id.uuid)


@delete_traffic_type.execute
def _delete_traffic_type(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    def work(s: Session) -> None:
        tt = s.get(TrafficType, p["id"])
        if tt is not None:
            s.delete(tt)
            events.record(
                s,
                job.caller,
                "TRAFFIC.TYPE.DELETE",
                f"{tt.traffic_type} traffic removed",
                resource_type="TrafficType",
                resource_uuid=tt.uuid,
            )

    job.transaction(work)
    return SuccessResult()


@command(
    "listTrafficTypes",
    params=[
        Param(
            "physicalnetworkid",
            UUID,
            required=True,
            entity="PhysicalNetwork",
            description="the Physical Network ID",
        )
    ],
    is_list=True,
    object_name="traffictype",
    response_class="ProviderResponse",
)
def list_traffic_types(call: Call, args: Args) -> ListResult:
    """Lists traffic types of a given physical network."""
    net = args.physicalnetworkid
    stmt = select(TrafficType).where(TrafficType.physical_network_id == net.id)
    rows, count = fetch_page(call.db, stmt.order_by(TrafficType.id), call, args)
    return ListResult([traffic_type_view(r[0], net.uuid) for r in rows], count)
