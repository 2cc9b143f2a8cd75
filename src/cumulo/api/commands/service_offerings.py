"""Service offering commands (§6.5)."""

from __future__ import annotations

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.offering_params import DISK_PARAMS, RATE_PARAMS_DECL
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, LONG, MAP, STRING, UUID, Param
from cumulo.api.results import ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ADMIN_ONLY, ALL_ROLES
from cumulo.api.views.offering import service_offering_view
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import offering_edits, offering_scope, service_offerings

_CREATE_PARAMS = [
    Param("name", STRING, required=True, description="the name of the service offering"),
    Param("displaytext", STRING, description="The display text of the service offering"),
    Param("cpunumber", INTEGER, description="the CPU number of the service offering"),
    Param("cpuspeed", INTEGER, description="the CPU speed of the service offering in MHz."),
    Param("memory", INTEGER, description="the total memory of the service offering in MB"),
    Param(
        "customized",
        BOOLEAN,
        since="4.13",
        description="Whether service offering size is custom or not",
    ),
    Param(
        "mincpunumber",
        INTEGER,
        since="4.13",
        description="The minimum number of CPUs to be set with Custom Compute Offering",
    ),
    Param(
        "maxcpunumber",
        INTEGER,
        since="4.13",
        description="The maximum number of CPUs to be set with Custom Compute Offering",
    ),
    Param(
        "minmemory",
        INTEGER,
        since="4.13",
        description="The minimum memory size of the custom service offering in MB",
    ),
    Param(
        "maxmemory",
        INTEGER,
        since="4.13",
        description="The maximum memory size of the custom service offering in MB",
    ),
    Param("offerha", BOOLEAN, description="the HA for the service offering"),
    Param(
        "limitcpuuse", BOOLEAN, description="restrict the CPU usage to committed service offering"
    ),
    Param(
        "isvolatile",
        BOOLEAN,
        description="true if the virtual machine needs to be volatile so that on every "
        "reboot of VM, original root disk is dettached then destroyed and a fresh root "
        "disk is created and attached to VM",
    ),
    Param("hosttags", STRING, description="the host tag for this service offering."),
    Param("tags", STRING, description="the tags for this service offering."),
    Param("issystem", BOOLEAN, description="is this a system vm offering"),
    Param(
        "systemvmtype",
        STRING,
        description='the system VM type. Possible types are "domainrouter", '
        '"consoleproxy" and "secondarystoragevm".',
    ),
    Param(
        "networkrate",
        INTEGER,
        description="data transfer rate in megabits per second allowed. Supported only "
        'for non-System offering and system offerings having "domainrouter" systemvmtype',
    ),
    Param(
        "deploymentplanner",
        STRING,
        description="The deployment planner heuristics used to deploy a VM of this offering.",
    ),
    Param(
        "serviceofferingdetails",
        MAP,
        description="details for planner, used to store specific parameters",
    ),
    Param(
        "domainid",
        LIST,
        collection=UUID,
        entity="Domain",
        description="the ID of the containing domain(s), null for public offerings",
    ),
    Param(
        "zoneid",
        LIST,
        collection=UUID,
        since="4.13",
        description="the ID of the containing zone(s), null for public offerings",
    ),
    Param("rootdisksize", LONG, since="4.15", description="the Root disk size in GB."),
    Param(
        "diskofferingid",
        UUID,
        entity="DiskOffering",
        since="4.17",
        description="the ID of the disk offering to which service offering should be mapped",
    ),
    Param(
        "diskofferingstrictness",
        BOOLEAN,
        since="4.17",
        description="True/False to indicate the strictness of the disk offering association "
        "with the compute offering.",
    ),
    Param(
        "dynamicscalingenabled",
        BOOLEAN,
        since="4.16",
        description="true if virtual machine needs to be dynamically scalable of cpu or memory",
    ),
    Param(
        "encryptroot",
        BOOLEAN,
        since="4.18",
        description="VMs using this offering require root volume encryption",
    ),
    Param(
        "purgeresources",
        BOOLEAN,
        since="4.20",
        description="Whether to cleanup instance and its associated resource from database "
        "upon expunge of the instance",
    ),
    Param(
        "externaldetails",
        MAP,
        since="4.21.0",
        description="Details in key/value pairs using format externaldetails[i].keyname=keyvalue.",
    ),
    Param(
        "gpucount",
        INTEGER,
        since="4.21",
        description="Count of GPUs to be used with this service offering",
    ),
    Param("gpudisplay", BOOLEAN, since="4.21", description="Whether to display GPU in UI or not"),
    Param("vgpuprofileid", UUID, since="4.21", description="the ID of the vGPU profile"),
    Param(
        "leaseduration",
        INTEGER,
        since="4.21.0",
        description="Number of days instance is leased for.",
    ),
    Param(
        "leaseexpiryaction",
        STRING,
        since="4.21.0",
        description="Default action on instance expiry, one of Stop, Destroy",
    ),
    *DISK_PARAMS,
    *RATE_PARAMS_DECL,
]


@command(
    "createServiceOffering",
    params=_CREATE_PARAMS,
    roles=ADMIN_ONLY,
    object_name="serviceoffering",
    response_class="ServiceOfferingResponse",
)
def create_service_offering(call: Call, args: Args) -> ObjectResult:
    """Creates a service offering."""
    values = args.as_dict()
    values["domainid"] = [d.uuid for d in args.domainid or []]
    offering = service_offerings.create(call.db, call.caller, values)
    return ObjectResult(service_offering_view(call.db, offering))


@command(
    "updateServiceOffering",
    params=[
        Param(
            "id",
            UUID,
            required=True,
            entity="ServiceOffering",
            description="the ID of the service offering to be updated",
        ),
        Param("name", STRING, description="the name of the service offering to be updated"),
        Param("displaytext", STRING, description="the display text of the service offering"),
        Param("sortkey", INTEGER, description="sort key of the service offering, integer"),
        Param("state", STRING, description="state of the service offering"),
        Param(
            "hosttags", STRING, since="4.16", description="the host tag for this service offering."
        ),
        Param(
            "storagetags",
            STRING,
            since="4.16",
            description="comma-separated list of tags "
            "for the service offering, tags should match with existing storage pool tags",
        ),
        Param(
            "domainid",
            STRING,
            length=4096,
            description="the ID of the containing domain(s), "
            'json list of ids, "public" for public offerings',
        ),
        Param(
            "zoneid",
            STRING,
            since="4.13",
            description='the ID of the containing zone(s), json list of ids, "all" for all zones',
        ),
        Param(
            "purgeresources",
            BOOLEAN,
            since="4.20",
            description="Whether to cleanup VM and its associated resource upon expunge",
        ),
        Param(
            "externaldetails",
            MAP,
            since="4.21.0",
            description="Details in key/value pairs "
            "using format externaldetails[i].keyname=keyvalue.",
        ),
        Param(
            "cleanupexternaldetails",
            BOOLEAN,
            since="4.22.0",
            description="Optional boolean field, which indicates if external details should "
            "be cleaned up or not",
        ),
    ],
    roles=ADMIN_ONLY,
    object_name="serviceoffering",
    response_class="ServiceOfferingResponse",
)
def update_service_offering(call: Call, args: Args) -> ObjectResult:
    """Updates a service offering."""
    offering = service_offerings.update(call.db, call.caller, args.id, args.as_dict())
    return ObjectResult(service_offering_view(call.db, offering))


@command(
    "deleteServiceOffering",
    params=[
        Param(
            "id",
            UUID,
            required=True,
            entity="ServiceOffering",
            description="the ID of the service offering",
        ),
    ],
    roles=ADMIN_ONLY,
    response_class="SuccessResponse",
)
def delete_service_offering(call: Call, args: Args) -> SuccessResult:
    """Deletes a service offering."""
    service_offerings.delete(call.db, call.caller, args.id)
    return SuccessResult()


@command(
    "listServiceOfferings",
    params=[
        Param("id", UUID, entity="ServiceOffering", description="ID of the service offering"),
        Param("name", STRING, description="name of the service offering"),
        *LIST_OWNER,
        Param("issystem", BOOLEAN, description="is this a system vm offering"),
        Param(
            "systemvmtype",
            STRING,
            description="the system VM type. Possible types are "
            '"consoleproxy", "secondarystoragevm" or "domainrouter".',
        ),
        Param(
            "virtualmachineid",
            UUID,
            description="the ID of the virtual machine. Pass this "
            "in if you want to see the available service offering that a virtual machine "
            "can be changed to.",
        ),
        Param(
            "zoneid", UUID, since="4.13", description="id of zone disk offering is associated with"
        ),
        Param(
            "cpunumber",
            INTEGER,
            since="4.15",
            description="the CPU number that listed offerings must support",
        ),
        Param(
            "memory",
            INTEGER,
            since="4.15",
            description="the RAM memory that listed offering must support",
        ),
        Param(
            "cpuspeed",
            INTEGER,
            since="4.15",
            description="the CPU speed that listed offerings must support",
        ),
        Param(
            "encryptroot",
            BOOLEAN,
            since="4.18",
            description="listed offerings support root disk encryption",
        ),
        Param(
            "state",
            STRING,
            since="4.19",
            description="Filter by state of the service "
            "offering. Defaults to 'Active'. If set to 'all' shows both Active & Inactive "
            "offerings.",
        ),
        Param(
            "storagetype",
            STRING,
            since="4.19",
            description="the storage type of the service offering. Values are local and shared.",
        ),
        Param(
            "templateid",
            UUID,
            since="4.20.0",
            description="The ID of the template that listed offerings must support",
        ),
        Param(
            "gpuenabled",
            BOOLEAN,
            since="4.21.0",
            description="Flag to indicate if the "
            "service offerings should filter GPU-enabled offerings",
        ),
        Param(
            "vgpuprofileid",
            UUID,
            since="4.21.0",
            description="The ID of the vGPU profile that listed offerings must support",
        ),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="serviceoffering",
    response_class="ServiceOfferingResponse",
)
def list_service_offerings(call: Call, args: Args) -> ListResult:
    """Lists all available service offerings."""
    stmt = _filtered(call, args).order_by(ServiceOffering.sort_key, ServiceOffering.id)
    rows, count = fetch_page(call.db, stmt, call, args)
    return ListResult([service_offering_view(call.db, r[0]) for r in rows], count)


def _filtered(call: Call, args: Args):  # type: ignore[no-untyped-def]
    offering_scope.refuse_filters(args.as_dict(), "virtualmachineid", "templateid", "vgpuprofileid")
    Off = ServiceOffering
    stmt = select(Off).where(Off.removed.is_(None))
    stmt = stmt.where(offering_scope.visible_to(call.caller, "service", Off.id))
    stmt = stmt.where(Off.is_system.is_(bool(args.issystem)))
    if args.issystem and not call.caller.is_admin:
        raise PermissionDenied("Only administrators can list system service offerings")
    if args.id is not None:
        stmt = stmt.where(Off.id == args.id.id)
    if args.name is not None:
        stmt = stmt.where(Off.name == args.name)
    if args.keyword:
        stmt = stmt.where(
            Off.name.contains(args.keyword, autoescape=True)
            | Off.display_text.contains(args.keyword, autoescape=True)
        )
    if args.systemvmtype is not None:
        stmt = stmt.where(Off.system_vm_type == args.systemvmtype.lower())
    if args.domainid is not None:
        stmt = _in_domain(call, args, stmt)
    if args.zoneid is not None:
        zone = offering_scope.find_zone(call.db, args.zoneid)
        stmt = stmt.where(offering_scope.in_zone(zone.id, "service", Off.id))
    state = (args.state or "Active").lower()
    if state != "all":
        stmt = stmt.where(Off.state == offering_edits.offering_state(state))
    if args.storagetype is not None:
        stmt = stmt.where(Off.storage_type == args.storagetype.lower())
    if args.encryptroot is not None:
        stmt = stmt.where(Off.encrypt.is_(args.encryptroot))
    return _compute_filters(stmt, args)


def _in_domain(call: Call, args: Args, stmt):  # type: ignore[no-untyped-def]
    domain = args.domainid
    if not call.caller.can_see_domain_path(domain.path):
        raise PermissionDenied(f"Caller does not have permission to access domain {domain.uuid}")
    return stmt.where(
        offering_scope.in_domain(
            domain, "service", ServiceOffering.id, recursive=bool(args.isrecursive)
        )
    )


def _compute_filters(stmt, args: Args):  # type: ignore[no-untyped-def]
    """cpunumber/memory/cpuspeed: fixed offerings that match, custom ones whose range fits."""
    Off = ServiceOffering
    for value, fixed, low, high in (
        (args.cpunumber, Off.cpu_number, Off.min_cpu_number, Off.max_cpu_number),
        (args.memory, Off.memory, Off.min_memory, Off.max_memory),
    ):
        if value is None:
            continue
        if value < 1:
            raise InvalidParameter("cpunumber and memory filters must be positive")
        fits = Off.customized.is_(True) & (low.is_(None) | ((low <= value) & (high >= value)))
        stmt = stmt.where((fixed == value) | fits)
    if args.cpuspeed is not None:
        stmt = stmt.where((Off.cpu_speed == args.cpuspeed) | Off.cpu_speed.is_(None))
    return stmt
