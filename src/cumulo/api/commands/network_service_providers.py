"""Network service provider and virtual router element commands (§6.9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.commands.physical_networks import net_uuid
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult
from cumulo.api.views.physical_network import provider_view, router_element_view
from cumulo.db.models.network_service_provider import NetworkServiceProvider, VirtualRouterElement
from cumulo.db.models.physical_network import PhysicalNetwork
from cumulo.jobs.context import JobRun
from cumulo.services import physical_networks as pnets
from cumulo.services.infra_common import must_get


def _nsp_item(s: Session, nsp_id: int) -> dict[str, Any]:
    nsp = s.get(NetworkServiceProvider, nsp_id)
    assert nsp is not None
    return provider_view(nsp, net_uuid(s, nsp.physical_network_id))


@command(
    "listNetworkServiceProviders",
    params=[
        Param("name", STRING, description="list providers by name"),
        Param(
            "physicalnetworkid",
            UUID,
            entity="PhysicalNetwork",
            description="the Physical Network ID",
        ),
        Param("state", STRING, description="list providers by state"),
    ],
    is_list=True,
    object_name="networkserviceprovider",
    response_class="ProviderResponse",
)
def list_providers(call: Call, args: Args) -> ListResult:
    """Lists network serviceproviders for a given physical network."""
    stmt = select(NetworkServiceProvider, PhysicalNetwork.uuid).join(
        PhysicalNetwork, PhysicalNetwork.id == NetworkServiceProvider.physical_network_id
    )
    if args.physicalnetworkid is not None:
        stmt = stmt.where(NetworkServiceProvider.physical_network_id == args.physicalnetworkid.id)
    if args.name is not None:
        stmt = stmt.where(NetworkServiceProvider.name.ilike(args.name))
    if args.state is not None:
        stmt = stmt.where(NetworkServiceProvider.state.ilike(args.state))
    if args.keyword:
        stmt = stmt.where(NetworkServiceProvider.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(NetworkServiceProvider.id), call, args)
    return ListResult([provider_view(nsp, u) for nsp, u in rows], count)


@command(
    "addNetworkServiceProvider",
    params=[
        Param(
            "destinationphysicalnetworkid",
            UUID,
            entity="PhysicalNetwork",
            description="the destination Physical Network ID to bridge to",
        ),
        Param(
            "name",
            STRING,
            required=True,
            description="the name for the physical network service provider",
        ),
        Param(
            "physicalnetworkid",
            UUID,
            required=True,
            entity="PhysicalNetwork",
            description="the Physical Network ID to add the provider to",
        ),
        Param(
            "servicelist",
            LIST,
            collection=STRING,
            description="the list of services to be enabled for this service provider",
        ),
    ],
    kind=Kind.ASYNC_CREATE,
    object_name="networkserviceprovider",
    instance_type="PhysicalNetworkServiceProvider",
    response_class="ProviderResponse",
)
def add_provider(call: Call, args: Args) -> Enqueue:
    """Adds a network serviceProvider to a physical network"""
    nsp = pnets.add_provider(
        call.db,
        args.physicalnetworkid,
        args.name,
        args.servicelist,
        args.destinationphysicalnetworkid,
    )
    return Enqueue({"id": nsp.id}, instance_uuid=nsp.uuid)


@add_provider.execute
def _add_provider(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return ObjectResult(job.transaction(lambda s: _nsp_item(s, p["id"])))


@command(
    "updateNetworkServiceProvider",
    params=[
        Param(
            "id",
            UUID,
            required=True,
            entity="NetworkServiceProvider",
            description="network service provider id",
        ),
        Param(
            "servicelist", LIST, collection=STRING, description="the list of services to be enabled"
        ),
        Param(
            "state",
            STRING,
            description="Enabled/Disabled/Shutdown the physical network service provider",
        ),
    ],
    kind=Kind.ASYNC,
    object_name="networkserviceprovider",
    instance_type="PhysicalNetworkServiceProvider",
    response_class="ProviderResponse",
)
def update_provider(call: Call, args: Args) -> Enqueue:
    """Updates a network serviceProvider of a physical network"""
    nsp = args.id
    if args.state is not None:
        wanted = pnets.choice(args.state, pnets.PROVIDER_STATES, "state")
        if wanted == "Enabled" and not pnets.provider_ready(call.db, nsp):
            pnets.update_provider(call.db, call.caller, nsp, wanted, None)  # raises the 431
    return Enqueue(
        {"id": nsp.id, "state": args.state, "services": args.servicelist}, instance_uuid=nsp.uuid
    )


@update_provider.execute
def _update_provider(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        nsp = must_get(s, NetworkServiceProvider, p["id"])
        pnets.update_provider(s, job.caller, nsp, p["state"], p["services"])
        return _nsp_item(s, p["id"])

    return ObjectResult(job.transaction(work))


@command(
    "listVirtualRouterElements",
    params=[
        Param("enabled", BOOLEAN, description="list network offerings by enabled state"),
        Param(
            "id",
            UUID,
            entity="VirtualRouterElement",
            description="list virtual router elements by id",
        ),
        Param(
            "nspid",
            UUID,
            entity="NetworkServiceProvider",
            description="list virtual router elements by network service provider id",
        ),
    ],
    is_list=True,
    object_name="virtualrouterelement",
    response_class="VirtualRouterProviderResponse",
)
def list_router_elements(call: Call, args: Args) -> ListResult:
    """Lists all available virtual router elements."""
    stmt = select(VirtualRouterElement, NetworkServiceProvider.uuid).join(
        NetworkServiceProvider, NetworkServiceProvider.id == VirtualRouterElement.provider_id
    )
    if args.id is not None:
        stmt = stmt.where(VirtualRouterElement.id == args.id.id)
    if args.nspid is not None:
        stmt = stmt.where(VirtualRouterElement.provider_id == args.nspid.id)
    if args.enabled is not None:
        stmt = stmt.where(VirtualRouterElement.enabled == args.enabled)
    rows, count = fetch_page(call.db, stmt.order_by(VirtualRouterElement.id), call, args)
    return ListResult([router_element_view(e, u) for e, u in rows], count)


@command(
    "configureVirtualRouterElement",
    params=[
        Param(
            "enabled", BOOLEAN, required=True, description="Enabled/Disabled the service provider"
        ),
        Param(
            "id",
            UUID,
            required=True,
            entity="VirtualRouterElement",
            description="the ID of the virtual router provider",
        ),
    ],
    kind=Kind.ASYNC,
    object_name="virtualrouterelement",
    response_class="VirtualRouterProviderResponse",
)
def configure_router_element(call: Call, args: Args) -> Enqueue:
    """Configures a virtual router element."""
    return Enqueue({"id": args.id.id, "enabled": bool(args.enabled)}, instance_uuid=args.id.uuid)


@configure_router_element.execute
def _configure_router_element(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        element = s.get(VirtualRouterElement, p["id"])
        assert element is not None
        element.enabled = p["enabled"]
        nsp_uuid = s.execute(
            select(NetworkServiceProvider.uuid).where(
                NetworkServiceProvider.id == element.provider_id
            )
        ).scalar_one()
        return router_element_view(element, nsp_uuid)

    return ObjectResult(job.transaction(work))
