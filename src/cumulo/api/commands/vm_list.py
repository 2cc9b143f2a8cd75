"""listVirtualMachines: filters in SQL on indexed columns, page first, then decorate."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import fetch_page
from cumulo.api.params import Param, ParamType
from cumulo.api.results import ListResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.vm import ALL_DETAILS, VM_COLUMNS, vm_items
from cumulo.db import keyword_index
from cumulo.db.models.nic import Nic
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.db.models.vm_affinity import AffinityGroupVmMap
from cumulo.db.models.volume import Volume
from cumulo.errors import InvalidParameter
from cumulo.services import tags

S, U, B = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN
tags.register("UserVm", "VMInstance")


def _uuid(name: str, entity: str, desc: str, **kw: object) -> Param:
    return Param(name, U, entity=entity, description=desc, **kw)  # type: ignore[arg-type]


@command(
    "listVirtualMachines",
    params=[
        _uuid("id", "VMInstance", "the ID of the virtual machine"),
        Param(
            "ids",
            ParamType.LIST,
            collection=U,
            entity="VMInstance",
            since="4.4",
            description="the IDs of the virtual machines",
        ),
        Param("name", S, description="name of the virtual machine"),
        Param("state", S, description="state of the virtual machine"),
        _uuid("zoneid", "Zone", "the availability zone ID"),
        _uuid("hostid", "Host", "the host ID"),
        _uuid("podid", "Pod", "the pod ID"),
        _uuid("clusterid", "Cluster", "the cluster ID"),
        _uuid("storageid", "StoragePool", "the storage ID where vm's volumes belong to"),
        _uuid("templateid", "VMTemplate", "list vms by template"),
        _uuid("serviceofferingid", "ServiceOffering", "list by the service offering"),
        _uuid("networkid", "Network", "list by network id"),
        _uuid("affinitygroupid", "AffinityGroup", "list vms by affinity group"),
        _uuid("groupid", "InstanceGroup", "the instance group ID"),
        Param("haenable", B, description="list by the High Availability offering"),
        Param("displayvm", B, since="4.4", description="list resources by display flag"),
        Param(
            "details",
            ParamType.LIST,
            collection=S,
            description="comma separated list of vm details requested",
        ),
        Param("tags", ParamType.MAP, description="List resources by tags (key/value pairs)"),
        Param("account", S, description="list resources by account"),
        _uuid("domainid", "Domain", "list only resources belonging to the domain specified"),
        _uuid("projectid", "Project", "list objects by project"),
        Param("listall", B, description="list all resources the caller may see"),
        Param("isrecursive", B, description="also the subdomains' resources"),
    ],
    roles=ALL_ROLES,
    object_name="virtualmachine",
    response_class="UserVmResponse",
    is_list=True,
)
def list_vms(call: Call, args: Args) -> ListResult:
    """List the virtual machines owned by the account."""
    details = {d.strip().lower() for d in (args.details or []) if d.strip()}
    unknown = details - ALL_DETAILS - {"vnfnics"}
    if unknown:
        raise InvalidParameter(
            f"Invalid details value {', '.join(sorted(unknown))}; use: "
            + ", ".join(sorted(ALL_DETAILS))
        )
    scope = list_scope(call.db, call.caller, args)
    stmt = select(*VM_COLUMNS).where(
        VMInstance.vm_type == VmType.USER,
        VMInstance.removed.is_(None),
        scope.where(VMInstance.account_id, VMInstance.domain_id, VMInstance.domain_path),
    )
    stmt = _filters(call, args, stmt)
    rows, count = fetch_page(call.db, stmt.order_by(VMInstance.id), call, args)
    return ListResult(vm_items(call.db, rows, call.caller, details), count)


def _filters(call: Call, args: Args, stmt):  # type: ignore[no-untyped-def]
    admin = call.caller.is_root_admin
    eq = {
        "id": VMInstance.id,
        "zoneid": VMInstance.zone_id,
        "templateid": VMInstance.template_id,
        "serviceofferingid": VMInstance.service_offering_id,
        "groupid": VMInstance.instance_group_id,
    }
    if admin:
        eq.update(
            hostid=VMInstance.host_id, podid=VMInstance.pod_id, clusterid=VMInstance.cluster_id
        )
    for key, col in eq.items():
        row = args.get(key)
        if row is not None:
            stmt = stmt.where(col == row.id)
    if args.ids:
        stmt = stmt.where(VMInstance.id.in_([r.id for r in args.ids]))
    if args.name:
        stmt = stmt.where(VMInstance.name == args.name)
    if args.state:
        stmt = stmt.where(VMInstance.state == args.state.capitalize())
    if args.haenable is not None:
        stmt = stmt.where(VMInstance.ha_enabled.is_(args.haenable))
    if args.displayvm is not None:
        stmt = stmt.where(VMInstance.display_vm.is_(args.displayvm))
    if args.keyword:
        stmt = stmt.where(
            keyword_index.matches(
                call.db,
                VMInstance.id,
                VMInstance.name,
                VMInstance.display_name,
                keyword=args.keyword,
            )
        )
    if args.networkid is not None:
        stmt = stmt.where(
            VMInstance.id.in_(
                select(Nic.instance_id).where(
                    Nic.network_id == args.networkid.id, Nic.removed.is_(None)
                )
            )
        )
    if args.affinitygroupid is not None:
        stmt = stmt.where(
            VMInstance.id.in_(
                select(AffinityGroupVmMap.instance_id).where(
                    AffinityGroupVmMap.group_id == args.affinitygroupid.id
                )
            )
        )
    if args.storageid is not None and admin:
        stmt = stmt.where(
            VMInstance.id.in_(
                select(Volume.instance_id).where(
                    Volume.pool_id == args.storageid.id, Volume.removed.is_(None)
                )
            )
        )
    tag_clause = tags.tag_filter("UserVm", VMInstance.id, args.tags)
    if tag_clause is not None:
        stmt = stmt.where(tag_clause)
    return stmt


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
list_vms.not_supported(
    Param("accumulate", ParamType.BOOLEAN, since="4.17.0"),
    Param("arch", ParamType.STRING, since="4.20.1"),
    Param("autoscalevmgroupid", ParamType.UUID, since="4.18.0"),
    Param("backupofferingid", ParamType.UUID, since="4.17"),
    Param("extensionid", ParamType.UUID, since="4.21.0"),
    Param("forvirtualnetwork", ParamType.BOOLEAN),
    Param("gpuenabled", ParamType.BOOLEAN, since="4.21.0"),
    Param("hypervisor", ParamType.STRING),
    Param("isoid", ParamType.UUID),
    Param("isvnf", ParamType.BOOLEAN, since="4.19.0"),
    Param("keypair", ParamType.STRING),
    Param("leased", ParamType.BOOLEAN, since="4.21.0"),
    Param("retrieveonlyresourcecount", ParamType.BOOLEAN),
    Param("securitygroupid", ParamType.UUID, since="4.15"),
    Param("showicon", ParamType.BOOLEAN, since="4.16.0.0"),
    Param("userdata", ParamType.BOOLEAN, since="4.18.0.0"),
    Param("userdataid", ParamType.UUID, since="4.20.1"),
    Param("userid", ParamType.UUID),
    Param("vpcid", ParamType.UUID),
)
