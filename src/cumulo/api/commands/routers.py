"""Virtual router commands: list, start, stop, reboot, destroy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, STRING, UUID, Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult
from cumulo.api.roles import ADMINS
from cumulo.api.scope import list_scope
from cumulo.api.views.router import router_view
from cumulo.db.models.nic import Nic
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.drivers.base import Answer, DriverError
from cumulo.errors import InvalidParameter, ResourceUnavailable
from cumulo.jobs.context import JobRun
from cumulo.services import events, routers
from cumulo.services.infra_common import must_get
from cumulo.services.network_access import check_owned
from cumulo.services.states.vm import STATE

ID = Param("id", UUID, required=True, entity="VMInstance", description="the ID of the router")


def _router(call: Call, args: Args) -> VMInstance:
    router: VMInstance = args.id
    if router.vm_type != VmType.ROUTER or router.removed is not None:
        raise InvalidParameter(f"Unable to find a virtual router with id {router.uuid}")
    check_owned(call.caller, router.account_id, router.domain_path, f"router {router.uuid}")
    return router


def _answer(job: JobRun, router_id: int) -> ObjectResult:
    return ObjectResult(
        job.transaction(lambda s: router_view(s, must_get(s, VMInstance, router_id)))
    )


def _event(session: Session, call_or_job: Any, router: VMInstance, kind: str) -> None:
    events.record(
        session,
        call_or_job.caller,
        f"ROUTER.{kind}",
        f"Router {router.name} {kind.lower()}",
        resource_type="DomainRouter",
        resource_uuid=router.uuid,
    )


@command(
    "startRouter",
    params=[ID],
    roles=ADMINS,
    kind=Kind.ASYNC,
    object_name="router",
    instance_type="DomainRouter",
    response_class="DomainRouterResponse",
)
def start_router(call: Call, args: Args) -> Enqueue:
    """Starts a router."""
    router = _router(call, args)
    STATE.apply(call.db, router, "start")
    routers.place(call.db, router)
    _event(call.db, call, router, "START")
    return Enqueue({"id": router.id}, instance_uuid=router.uuid)


@start_router.execute
def _start_router(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    try:
        answer = routers.start_on_host(job.transaction, p["id"])
    except DriverError as exc:
        answer = Answer(False, str(exc))

    def settle(s: Session) -> None:
        router = must_get(s, VMInstance, p["id"])
        if answer.ok:
            STATE.apply(s, router, "started")
        else:
            routers.unplace(s, router)
            STATE.apply(s, router, "start_failed")

    job.transaction(settle)
    if not answer.ok:
        raise ResourceUnavailable(f"Unable to start the router: {answer.details}")
    return _answer(job, p["id"])


@command(
    "stopRouter",
    params=[ID, Param("forced", BOOLEAN, description="Force stop the VM")],
    roles=ADMINS,
    kind=Kind.ASYNC,
    object_name="router",
    instance_type="DomainRouter",
    response_class="DomainRouterResponse",
)
def stop_router(call: Call, args: Args) -> Enqueue:
    """Stops a router."""
    router = _router(call, args)
    STATE.apply(call.db, router, "stop")
    _event(call.db, call, router, "STOP")
    return Enqueue({"id": router.id, "forced": bool(args.forced)}, instance_uuid=router.uuid)


@stop_router.execute
def _stop_router(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    try:
        answer = routers.stop_on_host(job.transaction, p["id"], force=p["forced"])
    except DriverError as exc:
        answer = Answer(p["forced"], str(exc))

    def settle(s: Session) -> None:
        router = must_get(s, VMInstance, p["id"])
        if answer.ok:
            routers.unplace(s, router)
            STATE.apply(s, router, "stopped")
        else:
            STATE.apply(s, router, "stop_failed")

    job.transaction(settle)
    if not answer.ok:
        raise ResourceUnavailable(f"Unable to stop the router: {answer.details}")
    return _answer(job, p["id"])


@command(
    "rebootRouter",
    params=[ID, Param("forced", BOOLEAN, description="Force reboot the router")],
    roles=ADMINS,
    kind=Kind.ASYNC,
    object_name="router",
    instance_type="DomainRouter",
    response_class="DomainRouterResponse",
)
def reboot_router(call: Call, args: Args) -> Enqueue:
    """Starts a router."""
    router = _router(call, args)
    if router.state != "Running":
        raise InvalidParameter(
            f"Router {router.name} is {router.state}; only a running one reboots"
        )
    _event(call.db, call, router, "REBOOT")
    return Enqueue({"id": router.id}, instance_uuid=router.uuid)


@reboot_router.execute
def _reboot_router(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    answer = routers.reboot_on_host(job.transaction, p["id"])
    if not answer.ok:
        raise ResourceUnavailable(f"Unable to reboot the router: {answer.details}")
    return _answer(job, p["id"])


@command(
    "destroyRouter",
    params=[ID],
    roles=ADMINS,
    kind=Kind.ASYNC,
    object_name="router",
    instance_type="DomainRouter",
    response_class="DomainRouterResponse",
)
def destroy_router(call: Call, args: Args) -> Enqueue:
    """Destroys a router."""
    router = _router(call, args)
    _event(call.db, call, router, "DESTROY")
    return Enqueue({"id": router.id}, instance_uuid=router.uuid)


@destroy_router.execute
def _destroy_router(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    routers.stop_on_host(job.transaction, p["id"], force=True)
    view = _answer(job, p["id"])

    def work(s: Session) -> None:
        router = must_get(s, VMInstance, p["id"])
        networks = s.execute(
            select(Nic.network_id).where(Nic.instance_id == router.id, Nic.removed.is_(None))
        ).scalars()
        from cumulo.db.models.network import Network

        for network_id in list(networks):
            network = s.get(Network, network_id)
            if network is not None and network.traffic_type == "Guest":
                network.restart_required = True
        routers.release(s, router)

    job.transaction(work)
    view.fields["state"] = "Destroyed"
    return view


@command(
    "listRouters",
    params=[
        Param("id", UUID, entity="VMInstance", description="the ID of the disk router"),
        Param("name", STRING, description="the name of the router"),
        Param("state", STRING, description="the state of the router"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID of the router"),
        Param("podid", UUID, entity="Pod", description="the Pod ID of the router"),
        Param("clusterid", UUID, entity="Cluster", description="the cluster ID of the router"),
        Param("hostid", UUID, entity="Host", description="the host ID of the router"),
        Param("networkid", UUID, entity="Network", description="list by network id"),
        Param("vpcid", UUID, description="List networks by VPC"),
        Param(
            "forvpc",
            BOOLEAN,
            description="if true is passed for this parameter, list only VPC routers",
        ),
        *LIST_OWNER,
    ],
    roles=ADMINS,
    is_list=True,
    object_name="router",
    response_class="DomainRouterResponse",
)
def list_routers(call: Call, args: Args) -> ListResult:
    """List routers."""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(VMInstance).where(
        VMInstance.vm_type == VmType.ROUTER,
        VMInstance.removed.is_(None),
        scope.where(VMInstance.account_id, VMInstance.domain_id, VMInstance.domain_path),
    )
    filters = {
        "id": lambda v: VMInstance.id == v.id,
        "name": lambda v: VMInstance.name == v,
        "state": lambda v: VMInstance.state == v.capitalize(),
        "zoneid": lambda v: VMInstance.zone_id == v.id,
        "podid": lambda v: VMInstance.pod_id == v.id,
        "clusterid": lambda v: VMInstance.cluster_id == v.id,
        "hostid": lambda v: VMInstance.host_id == v.id,
        "networkid": lambda v: VMInstance.id.in_(
            select(Nic.instance_id).where(Nic.network_id == v.id, Nic.removed.is_(None))
        ),
    }
    for name, clause in filters.items():
        value = args.get(name)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.vpcid is not None or args.forvpc:
        stmt = stmt.where(VMInstance.id.is_(None))  # no VPC routers yet
    if args.keyword:
        stmt = stmt.where(VMInstance.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(VMInstance.id), call, args)
    return ListResult([router_view(call.db, r) for (r,) in rows], count)


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
list_routers.not_supported(
    Param("arch", ParamType.STRING, since="4.20.1"),
    Param("fetchhealthcheckresults", ParamType.BOOLEAN, since="4.14"),
    Param("healthchecksfailed", ParamType.BOOLEAN, since="4.16"),
    Param("version", ParamType.STRING),
)
