"""NicResponse: a VM's NIC, in listNics and inside UserVmResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.db.models.nic_secondary_ip import NicSecondaryIp


def secondary_ip_view(
    secondary: NicSecondaryIp, nic: Nic, network: Network | None, vm_uuid: str | None
) -> dict[str, Any]:
    """NicSecondaryIpResponse (addIpToNic)."""
    view = {
        "id": secondary.uuid,
        "ipaddress": secondary.ip4_address,
        "nicid": nic.uuid,
        "networkid": network.uuid if network else None,
        "virtualmachineid": vm_uuid,
    }
    return {k: v for k, v in view.items() if v is not None}


def nic_view(
    nic: Nic,
    network: Network | None,
    vm_uuid: str | None = None,
    secondaries: list[NicSecondaryIp] | None = None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": nic.uuid,
        "networkid": network.uuid if network else None,
        "networkname": network.name if network else None,
        "ipaddress": nic.ip4_address,
        "netmask": nic.netmask,
        "gateway": nic.gateway,
        "macaddress": nic.mac_address,
        "isdefault": nic.is_default,
        "deviceid": str(nic.device_id),
        "traffictype": network.traffic_type if network else "Guest",
        "type": network.guest_type if network else None,
        "broadcasturi": nic.broadcast_uri,
        "isolationuri": nic.isolation_uri,
        "secondaryip": [{"id": ip.uuid, "ipaddress": ip.ip4_address} for ip in secondaries or ()],
        "extradhcpoption": [],
        "virtualmachineid": vm_uuid,
    }
    return {k: v for k, v in view.items() if v is not None}
