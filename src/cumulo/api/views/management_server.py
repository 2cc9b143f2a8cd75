"""ManagementServerResponse and ManagementServerMaintenanceResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.cluster import ManagementServer

SHUTDOWN_STATES = ("PreparingForShutDown", "ReadyToShutDown", "ShuttingDown")


def management_server_view(
    row: ManagementServer, pending_jobs: int, peers: list[dict[str, Any]] | None
) -> dict[str, Any]:
    return {
        "id": row.uuid,
        "name": row.name,
        "state": row.state,
        "version": row.version,
        "serviceip": row.service_ip,
        "ipaddress": row.service_ip,
        "lastserverstart": row.last_server_start,
        "lastserverstop": row.last_server_stop,
        "lastboottime": row.last_server_start,
        # CloudStack reports the JVM; this is the Python that runs the node.
        "javaversion": row.java_version,
        "javadistribution": "CPython",
        "osdistribution": row.os_name,
        "kernelversion": row.kernel_version,
        "pendingjobscount": pending_jobs,
        "peers": peers,
    }


def peer_view(row: ManagementServer) -> dict[str, Any]:
    """Another node as seen through the shared database (cumulo keeps no mshost_peer)."""
    return {
        "peerid": row.uuid,
        "peername": row.name,
        "peermsid": str(row.msid),
        "peerrunid": str(row.run_id),
        "peerstate": row.state,
        "peerserviceip": row.service_ip,
        "peerserviceport": str(row.service_port),
        "lastupdated": row.last_update,
    }


def maintenance_view(row: ManagementServer, pending_jobs: int) -> dict[str, Any]:
    return {
        "managementserverid": row.uuid,
        "state": row.state,
        "maintenanceinitiated": False,
        "shutdowntriggered": row.state in SHUTDOWN_STATES,
        "readyforshutdown": row.state == "ReadyToShutDown"
        or (row.state in SHUTDOWN_STATES and pending_jobs == 0),
        "pendingjobscount": pending_jobs,
    }
