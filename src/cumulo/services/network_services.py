"""Network services, providers and capabilities shared by network and VPC offerings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cumulo.errors import InvalidParameter

# CloudStack's Network.Service names, in its canonical order.
SERVICES = (
    "Vpn",
    "Dhcp",
    "Dns",
    "SourceNat",
    "PortForwarding",
    "Lb",
    "UserData",
    "StaticNat",
    "NetworkACL",
    "Firewall",
    "Gateway",
    "SecurityGroup",
    "Connectivity",
    "BaremetalPxeService",
)
PROVIDERS = (
    "VirtualRouter",
    "VpcVirtualRouter",
    "InternalLbVm",
    "SecurityGroupProvider",
    "ConfigDrive",
    "Netscaler",
    "F5BigIp",
    "JuniperSRX",
    "PaloAlto",
    "NiciraNvp",
    "Ovs",
    "BigSwitchBcf",
    "BaremetalDhcpProvider",
    "BaremetalPxeProvider",
    "Tungsten",
    "Nsx",
    "Netris",
)
# Capabilities an offering may set, per service, with their accepted values.
CAPABILITIES: dict[str, dict[str, tuple[str, ...]]] = {
    "SourceNat": {
        "SupportedSourceNatTypes": ("peraccount", "perzone"),
        "RedundantRouter": ("true", "false"),
    },
    "Lb": {
        "SupportedLBIsolation": ("dedicated", "shared"),
        "ElasticLb": ("true", "false"),
        "InlineMode": ("true", "false"),
        "lbSchemes": ("public", "internal"),
        "VmAutoScaling": ("true", "false"),
    },
    "StaticNat": {"ElasticIp": ("true", "false"), "AssociatePublicIP": ("true", "false")},
    "Connectivity": {
        "StretchedL2Subnet": ("true", "false"),
        "PublicAccess": ("true", "false"),
        "RegionLevelVpc": ("true", "false"),
        "DistributedRouter": ("true", "false"),
    },
    "Gateway": {"RedundantRouter": ("true", "false")},
}


@dataclass
class ServiceSet:
    """Services with their providers and capabilities, in SERVICES order."""

    providers: dict[str, list[str]] = field(default_factory=dict)
    capabilities: dict[str, dict[str, str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [s for s in SERVICES if s in self.providers]


def canonical(value: str, known: tuple[str, ...], what: str) -> str:
    for k in known:
        if k.lower() == value.strip().lower():
            return k
    raise InvalidParameter(f"Invalid {what} {value!r}; valid values are: {', '.join(known)}")


def parse(
    supported: list[str] | None,
    provider_map: dict[int, dict[str, str]] | None,
    capability_map: dict[int, dict[str, str]] | None,
    default_provider: str,
) -> ServiceSet:
    """Validate the wire's supportedservices / serviceproviderlist / servicecapabilitylist."""
    result = ServiceSet()
    for name in supported or []:
        result.providers.setdefault(canonical(name, SERVICES, "service"), [])
    for record in (provider_map or {}).values():
        if "service" not in record or "provider" not in record:
            raise InvalidParameter(
                "serviceproviderlist entries need service and provider: "
                "serviceproviderlist[0].service=Dhcp&serviceproviderlist[0].provider=VirtualRouter"
            )
        service = canonical(record["service"], SERVICES, "service")
        if service not in result.providers:
            raise InvalidParameter(
                f"Service {service} has a provider but is not in supportedservices; add it there"
            )
        provider = canonical(record["provider"], PROVIDERS, "provider")
        if provider not in result.providers[service]:
            result.providers[service].append(provider)
    for service, providers in result.providers.items():
        if not providers:
            providers.append(
                "SecurityGroupProvider" if service == "SecurityGroup" else default_provider
            )
    for record in (capability_map or {}).values():
        _add_capability(result, record)
    return result


def _add_capability(result: ServiceSet, record: dict[str, str]) -> None:
    try:
        service = canonical(record["service"], SERVICES, "service")
        name, value = record["capabilitytype"], record["capabilityvalue"]
    except KeyError:
        raise InvalidParameter(
            "servicecapabilitylist entries need service, capabilitytype and capabilityvalue"
        ) from None
    if service not in result.providers:
        raise InvalidParameter(
            f"Capability {name} is given for service {service}, which is not in supportedservices"
        )
    known = CAPABILITIES.get(service, {})
    cap = next((c for c in known if c.lower() == name.lower()), None)
    if cap is None:
        raise InvalidParameter(
            f"Capability {name} is not supported for service {service}; supported: "
            + (", ".join(known) or "none")
        )
    if value.lower() not in known[cap]:
        raise InvalidParameter(
            f"Invalid value {value!r} for capability {cap}; valid values: {', '.join(known[cap])}"
        )
    result.capabilities.setdefault(service, {})[cap] = value.lower()


def dump_capabilities(services: ServiceSet) -> str:
    return json.dumps(services.capabilities, sort_keys=True)


def service_view(
    providers: dict[str, list[str]], capabilities: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    """The ``service`` list of Network/VpcOfferingResponse."""
    out = []
    for name in SERVICES:
        if name not in providers:
            continue
        caps = capabilities.get(name, {})
        out.append(
            {
                "name": name,
                "provider": [{"name": p} for p in providers[name] if p],
                "capability": [
                    {"name": k, "value": v, "canchooseservicecapability": False}
                    for k, v in sorted(caps.items())
                ],
            }
        )
    return out


def router_offering_id(offering: Any) -> int | None:
    """The ``serviceofferingid`` of a network/VPC offering: a live router system offering."""
    if offering is None:
        return None
    if (
        offering.removed is not None
        or not offering.is_system
        or (offering.system_vm_type != "domainrouter")
    ):
        raise InvalidParameter(
            f"Service offering {offering.uuid} can't be used for the virtual router: give a "
            "system offering with systemvmtype domainrouter (listServiceOfferings issystem=true)"
        )
    return int(offering.id)
