"""Pod commands (§6.3)."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.views.capacity import capacity_view
from cumulo.api.views.infra_names import Names
from cumulo.api.views.pod import pod_view
from cumulo.db.models.pod import Pod
from cumulo.services import capacity, pods

_RANGE = [
    Param("allocationstate", STRING, description="Allocation state of this Pod for allocation"),
    Param("endip", STRING, description="the ending IP address for the Pod"),
    Param("gateway", STRING, description="the gateway for the Pod"),
    Param("netmask", STRING, description="the netmask for the Pod"),
    Param("startip", STRING, description="the starting IP address for the Pod"),
]


def _view(call: Call, pod: Pod) -> ObjectResult:
    return ObjectResult(pod_view(pod, Names.load(call.db, [pod])))


@command(
    "createPod",
    params=[
        *_RANGE,
        Param("name", STRING, required=True, description="the name of the Pod"),
        Param("zoneid", UUID, required=True, entity="Zone", description="the Zone ID"),
        Param(
            "storageaccessgroups",
            LIST,
            collection=STRING,
            since="4.21.0",
            description="storage access groups",
        ),
    ],
    object_name="pod",
    response_class="PodResponse",
)
def create_pod(call: Call, args: Args) -> ObjectResult:
    """Creates a new Pod."""
    pod = pods.create(
        call.db,
        call.caller,
        args.zoneid,
        args.name,
        gateway=args.gateway,
        netmask=args.netmask,
        start_ip=args.startip,
        end_ip=args.endip,
        allocation=args.allocationstate,
    )
    return _view(call, pod)


@command(
    "updatePod",
    params=[
        *_RANGE,
        Param("id", UUID, required=True, entity="Pod", description="the ID of the Pod"),
        Param("name", STRING, description="the name of the Pod"),
    ],
    object_name="pod",
    response_class="PodResponse",
)
def update_pod(call: Call, args: Args) -> ObjectResult:
    """Updates a Pod."""
    pod = pods.update(
        call.db,
        call.caller,
        args.id,
        name=args.name,
        gateway=args.gateway,
        netmask=args.netmask,
        start_ip=args.startip,
        end_ip=args.endip,
        allocation=args.allocationstate,
    )
    return _view(call, pod)


@command(
    "deletePod",
    params=[Param("id", UUID, required=True, entity="Pod", description="the ID of the Pod")],
    response_class="SuccessResponse",
)
def delete_pod(call: Call, args: Args) -> SuccessResult:
    """Deletes a Pod."""
    pods.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listPods",
    params=[
        Param("allocationstate", STRING, description="list pods by allocation state"),
        Param("id", UUID, entity="Pod", description="list Pods by ID"),
        Param("name", STRING, description="list Pods by name"),
        Param("showcapacities", BOOLEAN, description="flag to display the capacity of the pods"),
        Param("storageaccessgroup", STRING, since="4.21.0", description="storage access group"),
        Param("zoneid", UUID, entity="Zone", description="list Pods by Zone ID"),
    ],
    is_list=True,
    object_name="pod",
    response_class="PodResponse",
)
def list_pods(call: Call, args: Args) -> ListResult:
    """Lists all Pods."""
    stmt = select(Pod).where(Pod.removed.is_(None))
    if args.id is not None:
        stmt = stmt.where(Pod.id == args.id.id)
    if args.zoneid is not None:
        stmt = stmt.where(Pod.zone_id == args.zoneid.id)
    if args.name is not None:
        stmt = stmt.where(Pod.name == args.name)
    if args.allocationstate is not None:
        stmt = stmt.where(Pod.allocation_state.ilike(args.allocationstate))
    if args.keyword:
        stmt = stmt.where(Pod.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Pod.id), call, args)
    found = [r[0] for r in rows]
    names = Names.load(call.db, found)
    items = []
    for pod in found:
        caps = None
        if args.showcapacities:
            where = capacity.Where(zone_id=pod.zone_id, pod_id=pod.id)
            caps = [capacity_view(c, names) for c in capacity.compute(call.db, where)]
        items.append(pod_view(pod, names, caps))
    return ListResult(items, count)
