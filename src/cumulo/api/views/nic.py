"""NicResponse: a VM's NIC, in listNics and inside UserVmResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic


def nic_view(nic: Nic, network: Network | None, vm_uuid: str | None = None) -> dict[str, Any]:
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
        "secondaryip": [],
        "extradhcpoption": [],
        "virtualmachineid": vm_uuid,
    }
    return {k: v for k, v in view.items() if v is not None}
