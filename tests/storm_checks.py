"""What must hold after deployments were cut by a killed node: read from a Galera node.

Each check returns the offending rows (empty when the invariant holds), so a
failing assertion shows what is wrong.
"""

from __future__ import annotations

from cumulo.lab import mariadb
from cumulo.lab.topology import LabConfig

TRANSITIONAL = ("Starting", "Stopping", "Migrating", "Expunging", "Creating")


def rows(cfg: LabConfig, host: str, statement: str) -> list[list[str]]:
    out = mariadb.sql(cfg, host, f"USE cumulo; {statement}", timeout=30)
    return [line.split("\t") for line in out.splitlines() if line]


def violations(cfg: LabConfig, host: str, network_uuid: str) -> dict[str, list[list[str]]]:
    user = "vm_type='User' AND removed IS NULL"
    live_nic = "n.removed IS NULL"
    return {
        "jobs pending": rows(cfg, host, "SELECT uuid, command FROM async_job WHERE status=0"),
        "vms in transition": rows(
            cfg,
            host,
            f"SELECT uuid, state FROM vm_instance WHERE {user} AND state IN {TRANSITIONAL!r}",
        ),
        "volumes in transition": rows(
            cfg, host, "SELECT id, state FROM volume WHERE removed IS NULL AND state='Creating'"
        ),
        # A Running VM holds a host; any other user VM holds none.
        "host held wrongly": rows(
            cfg,
            host,
            f"SELECT uuid, state, host_id FROM vm_instance WHERE {user} "
            "AND (state='Running') <> (host_id IS NOT NULL)",
        ),
        # A failed deploy gives everything back: limits, addresses, disks.
        "error vm not released": _error_vms(cfg, host),
        "duplicate ips": rows(
            cfg,
            host,
            f"SELECT n.network_id, n.ip4_address, COUNT(*) FROM nic n WHERE {live_nic} "
            "AND n.ip4_address IS NOT NULL GROUP BY n.network_id, n.ip4_address "
            "HAVING COUNT(*) > 1",
        ),
        "duplicate macs": rows(
            cfg,
            host,
            f"SELECT n.mac_address, COUNT(*) FROM nic n WHERE {live_nic} "
            "GROUP BY n.mac_address HAVING COUNT(*) > 1",
        ),
        "duplicate vm names": rows(
            cfg,
            host,
            "SELECT instance_name, COUNT(*) FROM vm_instance WHERE removed IS NULL "
            "GROUP BY instance_name HAVING COUNT(*) > 1",
        ),
        "running vm without address": rows(
            cfg,
            host,
            "SELECT v.uuid FROM vm_instance v JOIN network w ON w.uuid="
            f"'{network_uuid}' WHERE v.vm_type='User' AND v.removed IS NULL "
            "AND v.state='Running' AND NOT EXISTS (SELECT 1 FROM nic n WHERE "
            f"n.instance_id=v.id AND n.network_id=w.id AND {live_nic})",
        ),
        # Capacity: what each host and pool has reserved is what its VMs hold.
        "host capacity drift": rows(
            cfg,
            host,
            "SELECT h.name, h.cpu_allocated, h.memory_allocated, "
            "COALESCE(SUM(v.cpu_number*v.cpu_speed),0) AS cpu, "
            "COALESCE(SUM(v.memory_mb*1048576),0) AS mem FROM host h "
            "LEFT JOIN vm_instance v ON v.host_id=h.id AND v.removed IS NULL "
            "WHERE h.removed IS NULL AND h.type='Routing' GROUP BY h.id "
            "HAVING h.cpu_allocated <> cpu OR h.memory_allocated <> mem",
        ),
        "pool capacity drift": rows(
            cfg,
            host,
            "SELECT p.name, p.allocated_bytes, COALESCE(SUM(d.size),0) AS used "
            "FROM storage_pool p LEFT JOIN volume d ON d.pool_id=p.id AND d.removed IS NULL "
            "WHERE p.removed IS NULL GROUP BY p.id HAVING p.allocated_bytes <> used",
        ),
    }


def _error_vms(cfg: LabConfig, host: str) -> list[list[str]]:
    return rows(
        cfg,
        host,
        "SELECT v.uuid, v.limits_charged, "
        "(SELECT COUNT(*) FROM nic n WHERE n.instance_id=v.id AND n.removed IS NULL) AS nics, "
        "(SELECT COUNT(*) FROM volume d WHERE d.instance_id=v.id AND d.removed IS NULL) AS vols "
        "FROM vm_instance v WHERE v.vm_type='User' AND v.removed IS NULL AND v.state='Error' "
        "HAVING v.limits_charged <> 0 OR nics > 0 OR vols > 0",
    )


def vm_states(cfg: LabConfig, host: str) -> dict[str, int]:
    found = rows(
        cfg,
        host,
        "SELECT state, COUNT(*) FROM vm_instance WHERE vm_type='User' AND removed IS NULL "
        "GROUP BY state",
    )
    return {state: int(n) for state, n in found}


def vm_uuids(cfg: LabConfig, host: str) -> list[str]:
    return [r[0] for r in rows(cfg, host, "SELECT uuid FROM vm_instance WHERE vm_type='User'")]
