"""PhysicalNetworkResponse, TrafficTypeResponse, ProviderResponse, VirtualRouterProviderResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.network_service_provider import NetworkServiceProvider, VirtualRouterElement
from cumulo.db.models.physical_network import PhysicalNetwork, TrafficType


def physical_network_view(
    net: PhysicalNetwork, zone: tuple[str, str], vlan: str | None, domain_uuid: str | None
) -> dict[str, Any]:
    return {
        "id": net.uuid,
        "name": net.name,
        "zoneid": zone[0],
        "zonename": zone[1],
        "state": net.state,
        "isolationmethods": net.isolation_methods,
        "broadcastdomainrange": net.broadcast_domain_range,
        "networkspeed": net.speed,
        "tags": net.tags,
        "vlan": vlan,
        "domainid": domain_uuid,
    }


def traffic_type_view(tt: TrafficType, net_uuid: str) -> dict[str, Any]:
    return {
        "id": tt.uuid,
        "traffictype": tt.traffic_type,
        "physicalnetworkid": net_uuid,
        "kvmnetworklabel": tt.kvm_label,
        "xennetworklabel": tt.xen_label,
        "vmwarenetworklabel": tt.vmware_label,
        "hypervnetworklabel": tt.hyperv_label,
        "ovm3networklabel": tt.ovm3_label,
        "isolationmethods": tt.isolation_method,
        "vlan": tt.vlan,
    }


def provider_view(nsp: NetworkServiceProvider, net_uuid: str) -> dict[str, Any]:
    return {
        "id": nsp.uuid,
        "name": nsp.name,
        "physicalnetworkid": net_uuid,
        "state": nsp.state,
        "servicelist": [s for s in nsp.services.split(",") if s],
        "canenableindividualservice": nsp.name not in ("VirtualRouter", "VpcVirtualRouter"),
    }


def router_element_view(element: VirtualRouterElement, nsp_uuid: str) -> dict[str, Any]:
    return {
        "id": element.uuid,
        "nspid": nsp_uuid,
        "enabled": element.enabled,
    }
