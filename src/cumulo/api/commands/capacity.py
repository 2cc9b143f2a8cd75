"""listCapacity (§6.12)."""

from __future__ import annotations

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.params import BOOLEAN, INTEGER, STRING, UUID, Param
from cumulo.api.results import ListResult
from cumulo.api.views.capacity import capacity_view
from cumulo.api.views.infra_names import Names
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.zone import Zone
from cumulo.services import capacity


@command(
    "listCapacity",
    params=[
        Param(
            "clusterid",
            UUID,
            since="3.0.0",
            entity="Cluster",
            description="lists capacity by the Cluster ID",
        ),
        Param(
            "fetchlatest",
            BOOLEAN,
            since="3.0.0",
            description="recalculate capacities and fetch the latest",
        ),
        Param("podid", UUID, entity="Pod", description="lists capacity by the Pod ID"),
        Param(
            "sortby", STRING, since="3.0.0", description="Sort the results. Available values: Usage"
        ),
        Param("tag", STRING, since="4.20.0", description="Tag for the resource type"),
        Param("type", INTEGER, description="lists capacity by type"),
        Param("zoneid", UUID, entity="Zone", description="lists capacity by the Zone ID"),
    ],
    is_list=True,
    object_name="capacity",
    response_class="CapacityResponse",
)
def list_capacity(call: Call, args: Args) -> ListResult:
    """Lists all the system wide capacities."""
    where = capacity.Where(
        zone_id=args.zoneid.id if args.zoneid else None,
        pod_id=args.podid.id if args.podid else None,
        cluster_id=args.clusterid.id if args.clusterid else None,
    )
    found = [
        c for c in capacity.compute(call.db, where) if args.type is None or c.type == args.type
    ]
    if (args.sortby or "").lower() == "usage":
        found.sort(key=lambda c: -(c.used / c.total if c.total else 0))
    else:
        found.sort(key=lambda c: (c.zone_id, c.type, c.pod_id or 0))
    names = Names()
    zone_ids = {c.zone_id for c in found}
    for z in call.db.query(Zone).filter(Zone.id.in_(zone_ids)):
        names.zones[z.id] = (z.uuid, z.name)
    for p in call.db.query(Pod).filter(Pod.id.in_({c.pod_id for c in found if c.pod_id})):
        names.pods[p.id] = (p.uuid, p.name)
    for cl in call.db.query(Cluster).filter(
        Cluster.id.in_({c.cluster_id for c in found if c.cluster_id})
    ):
        names.clusters[cl.id] = (cl.uuid, cl.name, cl.cluster_type)
    page = found
    if args.page and args.pagesize and args.pagesize > 0:
        page = found[(max(args.page, 1) - 1) * args.pagesize : max(args.page, 1) * args.pagesize]
    return ListResult([capacity_view(c, names) for c in page], len(found))
