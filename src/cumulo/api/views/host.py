"""HostResponse."""

from __future__ import annotations

from typing import Any

from cumulo.api.views.infra_names import Names, percent
from cumulo.db.models.host import Host


def host_view(
    host: Host,
    names: Names,
    owners: dict[int, tuple[str, str]],
    ratios: tuple[float, float] = (1.0, 1.0),
) -> dict[str, Any]:
    cpu_total = host.cpus * host.speed
    owner = owners.get(host.mgmt_server_msid or 0)
    return {
        "id": host.uuid,
        "name": host.name,
        "state": host.status,
        "resourcestate": host.resource_state,
        "type": host.type,
        "hypervisor": host.hypervisor,
        "hypervisorversion": host.hypervisor_version,
        "version": host.version,
        **names.place(host),
        "ipaddress": host.private_ip,
        "arch": host.arch,
        "cpusockets": host.cpu_sockets,
        "cpunumber": host.cpus,
        "cpuspeed": host.speed,
        "cpuallocated": percent(host.cpu_allocated, cpu_total * ratios[0]),
        "cpuallocatedvalue": host.cpu_allocated,
        "cpuallocatedpercentage": percent(host.cpu_allocated, cpu_total * ratios[0]),
        "cpuallocatedwithoverprovisioning": percent(host.cpu_allocated, cpu_total * ratios[0]),
        "cpuused": percent(host.cpu_used_mhz, cpu_total),
        "cpuwithoverprovisioning": str(cpu_total * ratios[0]),
        "memorytotal": host.total_memory,
        "memorywithoverprovisioning": str(int(host.total_memory * ratios[1])),
        "memoryallocated": host.memory_allocated,
        "memoryallocatedbytes": host.memory_allocated,
        "memoryallocatedpercentage": percent(host.memory_allocated, host.total_memory * ratios[1]),
        "memoryused": host.memory_used,
        "islocalstorageactive": host.local_storage > 0,
        "lastpinged": host.last_pinged,
        "disconnected": host.disconnected,
        "managementserverid": owner[0] if owner else None,
        "managementservername": owner[1] if owner else None,
        "hosttags": host.tags,
        "explicithosttags": host.tags,
        "istagarule": False,
        "annotation": host.annotation,
        "hahost": False,
        "created": host.created,
        "removed": host.removed,
        "events": "",
        "capabilities": "hvm",
        "outofbandmanagement": {"enabled": False, "powerstate": "Disabled"},
        "hostha": {"haenable": False, "hastate": "Disabled"},
        "hasannotations": False,
    }
