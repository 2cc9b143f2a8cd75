"""Host commands (§6.3) and listHypervisors."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.host import host_view
from cumulo.api.views.infra_names import Names
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_MAINTAIN
from cumulo.jobs.context import JobRun
from cumulo.services import clusters, hosts, simulator_mocks
from cumulo.services.infra_common import must_get
from cumulo.services.states import host as states


def host_items(session: Session, found: list[Host]) -> list[dict[str, Any]]:
    names = Names.load(session, found)
    msids = {h.mgmt_server_msid for h in found if h.mgmt_server_msid}
    owners = (
        {
            m: (u, n)
            for m, u, n in session.execute(
                select(ManagementServer.msid, ManagementServer.uuid, ManagementServer.name).where(
                    ManagementServer.msid.in_(msids)
                )
            )
        }
        if msids
        else {}
    )
    ratios = clusters.overcommit(session, [h.cluster_id for h in found if h.cluster_id])
    return [host_view(h, names, owners, ratios.get(h.cluster_id or 0, (1.0, 1.0))) for h in found]


@command(
    "addHost",
    params=[
        Param("allocationstate", STRING, description="Allocation state of this Host"),
        Param("clusterid", UUID, entity="Cluster", description="the cluster ID for the host"),
        Param("clustername", STRING, description="the cluster name for the host"),
        Param("externaldetails", MAP, since="4.21.0", description="details for the extension"),
        Param("hosttags", LIST, collection=STRING, description="list of tags for this host"),
        Param("hypervisor", STRING, required=True, description="hypervisor type of the host"),
        Param("password", STRING, description="the password for the host"),
        Param("podid", UUID, required=True, entity="Pod", description="the Pod ID for the host"),
        Param(
            "storageaccessgroups",
            LIST,
            collection=STRING,
            since="4.21.0",
            description="storage access groups",
        ),
        Param("url", STRING, required=True, description="the host URL"),
        Param("username", STRING, description="the username for the host"),
        Param("zoneid", UUID, required=True, entity="Zone", description="the Zone ID for the host"),
    ],
    object_name="host",
    response_class="HostResponse",
)
def add_host(call: Call, args: Args) -> ListResult:
    """Adds a new host."""
    new = hosts.NewHost(
        url=args.url,
        hypervisor=args.hypervisor,
        cluster=args.clusterid,
        cluster_name=args.clustername,
        username=args.username,
        password=args.password,
        tags=args.hosttags,
        allocation=args.allocationstate,
    )
    rt = call.runtime
    owner = hosts.Owner(rt.msid, rt.settings.heartbeat_threshold, rt.secrets)
    host = hosts.add(call.db, call.caller, args.zoneid, args.podid, new, owner)
    return ListResult(host_items(call.db, [host]), 1)  # CloudStack answers a list here


@command(
    "updateHost",
    params=[
        Param("allocationstate", STRING, description="Enable or Disable the host"),
        Param("annotation", STRING, since="4.11", description="Add an annotation to this host"),
        Param(
            "cleanupexternaldetails",
            BOOLEAN,
            since="4.22.0",
            description="cleanup external details",
        ),
        Param("externaldetails", MAP, since="4.21.0", description="details for the extension"),
        Param(
            "hosttags",
            LIST,
            collection=STRING,
            empty_clears=True,
            description="list of tags for this host; empty removes every tag",
        ),
        Param("id", UUID, required=True, entity="Host", description="the ID of the host"),
        Param("istagarule", BOOLEAN, description="whether the host tags are a rule"),
        Param("name", STRING, since="4.15", description="the new name of the host"),
        Param("oscategoryid", UUID, description="the id of OS category to attach the host"),
        Param("url", STRING, description="the new uri for the secondary storage"),
    ],
    object_name="host",
    response_class="HostResponse",
)
def update_host(call: Call, args: Args) -> ObjectResult:
    """Updates a host."""
    host = hosts.update(
        call.db,
        call.caller,
        args.id,
        allocation=args.allocationstate,
        tags=args.hosttags,
        name=args.name,
        annotation=args.annotation,
        url=args.url,
    )
    return ObjectResult(host_items(call.db, [host])[0])


@command(
    "deleteHost",
    params=[
        Param("forced", BOOLEAN, description="delete the host even if it is not in maintenance"),
        Param("forcedestroylocalstorage", BOOLEAN, description="destroy local storage volumes"),
        Param("id", UUID, required=True, entity="Host", description="the host ID"),
    ],
    response_class="SuccessResponse",
)
def delete_host(call: Call, args: Args) -> SuccessResult:
    """Deletes a host."""
    hosts.delete(call.db, call.caller, args.id, bool(args.forced))
    return SuccessResult()


# CloudStack's Host.Type names. A type given in any case is compared for equality,
# which the list index serves; anything else keeps CloudStack's LIKE matching.
HOST_TYPES = {
    t.lower(): t
    for t in ("Routing", "Storage", "SecondaryStorage", "SecondaryStorageVM", "ConsoleProxy",
              "SecondaryStorageCmdExecutor", "ExternalFirewall", "ExternalLoadBalancer",
              "ExternalVirtualSwitchSupervisor", "PxeServer", "BaremetalPxe", "BaremetalDhcp",
              "TrafficMonitor", "NetScalerControlCenter", "ExternalDhcp",
              "LocalSecondaryStorage", "L2Networking")
}  # fmt: skip


def _type_clause(value: str) -> ColumnElement[bool]:
    known = HOST_TYPES.get(value.lower())
    return Host.type == known if known else Host.type.ilike(value)


_LIST_FILTERS = {
    "type": _type_clause,
    "state": lambda v: Host.status.ilike(v),
    "resourcestate": lambda v: Host.resource_state.ilike(v),
    "hypervisor": lambda v: Host.hypervisor.ilike(v),
    "name": lambda v: Host.name == v,
    "arch": lambda v: Host.arch == v,
    "id": lambda v: Host.id == v.id,
    "zoneid": lambda v: Host.zone_id == v.id,
    "podid": lambda v: Host.pod_id == v.id,
    "clusterid": lambda v: Host.cluster_id == v.id,
}


@command(
    "listHosts",
    params=[
        Param("arch", STRING, since="4.20.1", description="CPU Arch of the host"),
        Param(
            "clusterid",
            UUID,
            entity="Cluster",
            description="lists hosts existing in particular cluster",
        ),
        Param(
            "details",
            LIST,
            collection=STRING,
            description="details: all, capacity, events, stats, min",
        ),
        Param("hahost", BOOLEAN, description="if true, list only hosts dedicated to HA"),
        Param("hypervisor", STRING, description="hypervisor type of host"),
        Param("id", UUID, entity="Host", description="the id of the host"),
        Param(
            "managementserverid",
            UUID,
            since="4.21.0",
            description="the management server owning the host",
        ),
        Param("name", STRING, description="the name of the host"),
        Param("outofbandmanagementenabled", BOOLEAN, description="out-of-band management enabled"),
        Param("outofbandmanagementpowerstate", STRING, description="out-of-band power state"),
        Param("podid", UUID, entity="Pod", description="the Pod ID for the host"),
        Param("resourcestate", STRING, description="list hosts by resource state"),
        Param("state", STRING, description="the state of the host"),
        Param("storageaccessgroup", STRING, since="4.21.0", description="storage access group"),
        Param("type", STRING, description="the host type"),
        Param("virtualmachineid", UUID, description="lists hosts in the same cluster as this VM"),
        Param("zoneid", UUID, entity="Zone", description="the Zone ID for the host"),
    ],
    is_list=True,
    object_name="host",
    response_class="HostResponse",
)
def list_hosts(call: Call, args: Args) -> ListResult:
    """Lists hosts."""
    stmt = select(Host).where(Host.removed.is_(None))
    for key, clause in _LIST_FILTERS.items():
        value = args.get(key)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.hahost:
        stmt = stmt.where(Host.id.is_(None))  # no HA-dedicated hosts exist yet
    if args.managementserverid is not None:
        owner = select(ManagementServer.msid).where(
            ManagementServer.uuid == args.managementserverid
        )
        stmt = stmt.where(Host.mgmt_server_msid.in_(owner))
    if args.keyword:
        stmt = stmt.where(Host.name.contains(args.keyword, autoescape=True))
    rows, count = fetch_page(call.db, stmt.order_by(Host.id), call, args)
    return ListResult(host_items(call.db, [r[0] for r in rows]), count)


@command(
    "listHypervisors",
    params=[
        Param("zoneid", UUID, entity="Zone", description="the zone id for listing hypervisors")
    ],
    roles=ALL_ROLES,
    object_name="hypervisor",
    response_class="HypervisorResponse",
)
def list_hypervisors(call: Call, args: Args) -> ListResult:
    """List hypervisors"""
    if args.zoneid is not None:
        names = sorted(
            set(
                call.db.execute(
                    select(Cluster.hypervisor).where(
                        Cluster.zone_id == args.zoneid.id, Cluster.removed.is_(None)
                    )
                ).scalars()
            )
        )
    else:
        names = registry.supported()
    return ListResult([{"name": n} for n in names], len(names))


# -- maintenance and reconnect (async) --------------------------------------------

_ID = [Param("id", UUID, required=True, entity="Host", description="the host ID")]


def _host_result(job: JobRun, host_id: int) -> ObjectResult:
    return job.transaction(
        lambda s: ObjectResult(host_items(s, [must_get(s, Host, host_id)])[0]), idempotent=True
    )


@command(
    "prepareHostForMaintenance",
    params=_ID,
    kind=Kind.ASYNC,
    object_name="host",
    instance_type="Host",
    response_class="HostResponse",
)
def prepare_maintenance(call: Call, args: Args) -> Enqueue:
    """Prepares a host for maintenance."""
    hosts.check_can_maintain(args.id)
    return Enqueue({"host_id": args.id.id}, instance_uuid=args.id.uuid)


@prepare_maintenance.execute
def _prepare_maintenance(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    host_id = int(payload["host_id"])

    def ask(s: Session) -> None:
        host = must_get(s, Host, host_id)
        assert host is not None
        if host.resource_state != states.PREPARE:  # not already done by a previous attempt
            states.RESOURCE.apply(s, host, "ask_maintenance")
        events_record(s, job, host, "MAINT.PREPARE", "Preparing host for maintenance")

    job.step("ask", lambda: job.transaction(ask))
    # Live migration with the VM planner: driver calls outside any transaction.
    from cumulo.services.vms import migrate as vm_migrate

    left = vm_migrate.evacuate(job.transaction, job.runtime.config, job.caller, host_id)
    maintain = job.transaction(_maintain_plan(host_id))
    answer = registry.driver_for(maintain[0]).maintain(maintain[1], maintain[2])

    def finish(s: Session) -> None:
        host = must_get(s, Host, host_id)
        event = "enter_maintenance" if answer.ok and not left else "unable_to_migrate"
        states.RESOURCE.try_apply(s, host, event)

    job.transaction(finish)
    return _host_result(job, host_id)


def _maintain_plan(host_id: int):  # type: ignore[no-untyped-def]
    def plan(s: Session) -> tuple[str, str, Any]:
        host = must_get(s, Host, host_id)
        assert host is not None
        mock = simulator_mocks.take(s, COMMAND_MAINTAIN, host)
        return host.hypervisor or "Simulator", host.guid, mock

    return plan


def events_record(s: Session, job: JobRun, host: Host, kind: str, text: str) -> None:
    from cumulo.services import events

    events.record(
        s, job.caller, kind, f"{text}: {host.name}", resource_type="Host", resource_uuid=host.uuid
    )


@command(
    "cancelHostMaintenance",
    params=_ID,
    kind=Kind.ASYNC,
    object_name="host",
    instance_type="Host",
    response_class="HostResponse",
)
def cancel_maintenance(call: Call, args: Args) -> Enqueue:
    """Cancels host maintenance."""
    hosts.check_can_cancel(args.id)
    return Enqueue({"host_id": args.id.id}, instance_uuid=args.id.uuid)


@cancel_maintenance.execute
def _cancel_maintenance(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    host_id = int(payload["host_id"])

    def cancel(s: Session) -> None:
        host = must_get(s, Host, host_id)
        assert host is not None
        if host.resource_state != states.ENABLED:
            states.RESOURCE.apply(s, host, "cancel_maintenance")
            events_record(s, job, host, "MAINT.CANCEL", "Cancelled host maintenance")

    job.transaction(cancel)
    return _host_result(job, host_id)


@command(
    "reconnectHost",
    params=_ID,
    kind=Kind.ASYNC,
    object_name="host",
    instance_type="Host",
    response_class="HostResponse",
)
def reconnect_host(call: Call, args: Args) -> Enqueue:
    """Reconnects a host."""
    host: Host = args.id
    hosts.check_live(host)
    return Enqueue({"host_id": host.id}, instance_uuid=host.uuid)


RECONNECT_WAIT_SECONDS = 30.0


@reconnect_host.execute
def _reconnect_host(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    """Ask the owner node to reconnect, then wait for the outcome."""
    host_id = int(payload["host_id"])

    def ask(s: Session) -> None:
        host = must_get(s, Host, host_id)
        assert host is not None
        states.STATUS.apply(s, host, "connect")

    job.step("connect", lambda: job.transaction(ask))
    deadline = time.monotonic() + RECONNECT_WAIT_SECONDS
    while time.monotonic() < deadline:
        status = job.transaction(lambda s: must_get(s, Host, host_id).status, idempotent=True)
        if status != states.CONNECTING:
            break
        time.sleep(0.2)
    return _host_result(job, host_id)
