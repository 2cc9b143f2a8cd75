"""Cluster commands (§6.3)."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.views.capacity import capacity_view
from cumulo.api.views.host_cluster import cluster_view
from cumulo.api.views.infra_names import Names
from cumulo.db.models.host_cluster import Cluster
from cumulo.services import capacity, clusters


def _item(call: Call, cluster: Cluster) -> dict[str, object]:
    ratios = clusters.overcommit(call.db, [cluster.id])[cluster.id]
    return cluster_view(cluster, Names.load(call.db, [cluster]), ratios)


_VSWITCH = [
    Param(n, STRING, description=d)
    for n, d in (
        ("guestvswitchname", "Name of virtual switch used for guest traffic"),
        ("guestvswitchtype", "Type of virtual switch used for guest traffic"),
        ("publicvswitchname", "Name of virtual switch used for public traffic"),
        ("publicvswitchtype", "Type of virtual switch used for public traffic"),
        ("ovm3cluster", "Ovm3 native OCFS2 clustering enabled for cluster"),
        ("ovm3pool", "Ovm3 native pooling enabled for cluster"),
        ("ovm3vip", "Ovm3 vip to use for pool (and cluster)"),
        ("vsmipaddress", "the ipaddress of the VSM associated with this cluster"),
        ("vsmpassword", "the password for the VSM associated with this cluster"),
        ("vsmusername", "the username for the VSM associated with this cluster"),
        ("password", "the password for the host"),
        ("username", "the username for the cluster"),
        ("url", "the URL"),
    )
]


@command(
    "addCluster",
    params=[
        *_VSWITCH,
        Param("allocationstate", STRING, description="Allocation state of this cluster"),
        Param("arch", STRING, since="4.20", description="the CPU arch of the cluster"),
        Param("clustername", STRING, required=True, description="the cluster name"),
        Param(
            "clustertype",
            STRING,
            required=True,
            description="type of the cluster: CloudManaged, ExternalManaged",
        ),
        Param("extensionid", UUID, since="4.21.0", description="the ID of the extension"),
        Param("externaldetails", MAP, since="4.21.0", description="details for the extension"),
        Param("hypervisor", STRING, required=True, description="hypervisor type of the cluster"),
        Param("podid", UUID, required=True, entity="Pod", description="the Pod ID for the host"),
        Param(
            "storageaccessgroups",
            LIST,
            collection=STRING,
            since="4.21.0",
            description="storage access groups",
        ),
        Param(
            "zoneid", UUID, required=True, entity="Zone", description="the Zone ID for the cluster"
        ),
    ],
    object_name="cluster",
    response_class="ClusterResponse",
)
def add_cluster(call: Call, args: Args) -> ListResult:
    """Adds a new cluster"""
    cluster = clusters.add(
        call.db,
        call.caller,
        args.zoneid,
        args.podid,
        args.clustername,
        cluster_type=args.clustertype,
        hypervisor=args.hypervisor,
        allocation=args.allocationstate,
        arch=args.arch,
    )
    return ListResult([_item(call, cluster)], 1)  # CloudStack answers a list here


@command(
    "updateCluster",
    params=[
        Param("allocationstate", STRING, description="Allocation state of this cluster"),
        Param("arch", STRING, since="4.20", description="the CPU arch of the cluster"),
        Param("clustername", STRING, description="the cluster name"),
        Param("clustertype", STRING, description="hypervisor type of the cluster"),
        Param("externaldetails", MAP, since="4.21.0", description="details for the extension"),
        Param("hypervisor", STRING, description="hypervisor type of the cluster"),
        Param("id", UUID, required=True, entity="Cluster", description="the ID of the Cluster"),
        Param("managedstate", STRING, description="whether this cluster is managed by cloudstack"),
    ],
    object_name="cluster",
    response_class="ClusterResponse",
)
def update_cluster(call: Call, args: Args) -> ObjectResult:
    """Updates an existing cluster"""
    cluster = clusters.update(
        call.db,
        call.caller,
        args.id,
        name=args.clustername,
        allocation=args.allocationstate,
        managed_state=args.managedstate,
        cluster_type=args.clustertype,
        hypervisor=args.hypervisor,
        arch=args.arch,
    )
    return ObjectResult(_item(call, cluster))


@command(
    "deleteCluster",
    params=[Param("id", UUID, required=True, entity="Cluster", description="the cluster ID")],
    response_class="SuccessResponse",
)
def delete_cluster(call: Call, args: Args) -> SuccessResult:
    """Deletes a cluster."""
    clusters.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listClusters",
    params=[
        Param("allocationstate", STRING, description="lists clusters by allocation state"),
        Param("arch", STRING, since="4.20.1", description="CPU arch of the clusters"),
        Param("clustertype", STRING, description="lists clusters by cluster type"),
        Param("hypervisor", STRING, description="lists clusters by hypervisor type"),
        Param("id", UUID, entity="Cluster", description="lists clusters by the cluster ID"),
        Param("managedstate", STRING, description="whether this cluster is managed by cloudstack"),
        Param("name", STRING, description="lists clusters by the cluster name"),
        Param("podid", UUID, entity="Pod", description="lists clusters by Pod ID"),
        Param(
            "showcapacities", BOOLEAN, description="flag to display the capacity of the clusters"
        ),
        Param("storageaccessgroup", STRING, since="4.21.0", description="storage access group"),
        Param("zoneid", UUID, entity="Zone", description="lists clusters by Zone ID"),
    ],
    is_list=True,
    object_name="cluster",
    response_class="ClusterResponse",
)
def list_clusters(call: Call, args: Args) -> ListResult:
    """Lists clusters."""
    stmt = select(Cluster).where(Cluster.removed.is_(None))
    filters = {
        "id": (args.id, lambda v: Cluster.id == v.id),
        "zoneid": (args.zoneid, lambda v: Cluster.zone_id == v.id),
        "podid": (args.podid, lambda v: Cluster.pod_id == v.id),
        "name": (args.name, lambda v: Cluster.name == v),
        "hypervisor": (args.hypervisor, lambda v: Cluster.hypervisor.ilike(v)),
        "clustertype": (args.clustertype, lambda v: Cluster.cluster_type.ilike(v)),
        "allocationstate": (args.allocationstate, lambda v: Cluster.allocation_state.ilike(v)),
        "managedstate": (args.managedstate, lambda v: Cluster.managed_state.ilike(v)),
        "arch": (args.arch, lambda v: Cluster.arch == v),
    }
    for value, clause in filters.values():
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.keyword:
        stmt = stmt.where(Cluster.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Cluster.id), call, args)
    found = [r[0] for r in rows]
    names = Names.load(call.db, found)
    ratios = clusters.overcommit(call.db, [c.id for c in found])
    items = []
    for c in found:
        caps = None
        if args.showcapacities:
            where = capacity.Where(zone_id=c.zone_id, pod_id=c.pod_id, cluster_id=c.id)
            caps = [capacity_view(x, names) for x in capacity.compute(call.db, where)]
        items.append(cluster_view(c, names, ratios[c.id], caps))
    return ListResult(items, count)
