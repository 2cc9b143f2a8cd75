"""DomainRouterResponse."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.views.network import owner_fields
from cumulo.db.models.host import Host
from cumulo.db.models.network import Network
from cumulo.db.models.nic import Nic
from cumulo.db.models.pod import Pod
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.zone import Zone


def _nics(session: Session, router: VMInstance) -> list[tuple[Nic, Network]]:
    rows = session.execute(
        select(Nic, Network)
        .join(Network, Network.id == Nic.network_id)
        .where(Nic.instance_id == router.id, Nic.removed.is_(None))
        .order_by(Nic.device_id)
    )
    return [(nic, net) for nic, net in rows]


def router_view(session: Session, r: VMInstance) -> dict[str, Any]:
    zone = session.get(Zone, r.zone_id)
    host = session.get(Host, r.host_id) if r.host_id else None
    pod = session.get(Pod, r.pod_id) if r.pod_id else None
    so = session.get(ServiceOffering, r.service_offering_id)
    nics = _nics(session, r)
    guest = next(((n, net) for n, net in nics if net.traffic_type == "Guest"), None)
    public = next(((n, net) for n, net in nics if net.traffic_type == "Public"), None)
    return {
        "id": r.uuid,
        "name": r.name,
        "state": r.state,
        "role": "VIRTUAL_ROUTER",
        "zoneid": zone.uuid if zone else None,
        "zonename": zone.name if zone else None,
        "podid": pod.uuid if pod else None,
        "podname": pod.name if pod else None,
        "hostid": host.uuid if host else None,
        "hostname": host.name if host else None,
        "hypervisor": r.hypervisor,
        "serviceofferingid": so.uuid if so else None,
        "serviceofferingname": so.name if so else None,
        "guestipaddress": guest[0].ip4_address if guest else None,
        "guestmacaddress": guest[0].mac_address if guest else None,
        "guestnetmask": guest[0].netmask if guest else None,
        "guestnetworkid": guest[1].uuid if guest else None,
        "guestnetworkname": guest[1].name if guest else None,
        "publicip": public[0].ip4_address if public else None,
        "publicmacaddress": public[0].mac_address if public else None,
        "publicnetmask": public[0].netmask if public else None,
        "publicnetworkid": public[1].uuid if public else None,
        "gateway": public[0].gateway if public else None,
        "dns1": zone.dns1 if zone else None,
        "dns2": zone.dns2 if zone else None,
        "nic": [
            {
                "id": n.uuid,
                "networkid": net.uuid,
                "networkname": net.name,
                "ipaddress": n.ip4_address,
                "netmask": n.netmask,
                "gateway": n.gateway,
                "macaddress": n.mac_address,
                "traffictype": net.traffic_type,
                "type": net.guest_type or net.traffic_type,
                "isdefault": n.is_default,
                "deviceid": str(n.device_id),
                "broadcasturi": n.broadcast_uri,
            }
            for n, net in nics
        ],
        **owner_fields(session, r.account_id, r.domain_id),
        "isredundantrouter": False,
        "redundantstate": "UNKNOWN",
        "requiresupgrade": False,
        "created": r.created,
        "hasannotations": False,
    }
