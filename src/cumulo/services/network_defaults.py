"""CloudStack's default network and VPC offerings, by their exact names.

Values follow ``ConfigurationServerImpl.createDefaultNetworkOfferings`` and
``VpcManagerImpl`` (names, display texts, services, providers, capabilities).
"""

from __future__ import annotations

from dataclasses import dataclass, field

VR = "VirtualRouter"
VPCVR = "VpcVirtualRouter"
SG = "SecurityGroupProvider"


@dataclass(frozen=True)
class DefaultOffering:
    name: str
    display_text: str
    guest_ip_type: str
    services: dict[str, str]
    capabilities: dict[str, dict[str, str]] = field(default_factory=dict)
    specify_vlan: bool = False
    specify_ip_ranges: bool = False
    availability: str = "Optional"
    conserve_mode: bool = True
    for_vpc: bool = False
    state: str = "Enabled"


_BASIC = {"Dhcp": VR, "Dns": VR, "UserData": VR}
_ISOLATED_SNAT = {
    **_BASIC,
    "Firewall": VR,
    "Gateway": VR,
    "Lb": VR,
    "SourceNat": VR,
    "StaticNat": VR,
    "PortForwarding": VR,
    "Vpn": VR,
}
_SNAT_CAPS = {
    "SourceNat": {"SupportedSourceNatTypes": "peraccount", "RedundantRouter": "false"},
    "Lb": {"SupportedLBIsolation": "dedicated", "lbSchemes": "public"},
}
_VPC = {
    "Dhcp": VPCVR,
    "Dns": VPCVR,
    "UserData": VPCVR,
    "Gateway": VPCVR,
    "Lb": VPCVR,
    "SourceNat": VPCVR,
    "StaticNat": VPCVR,
    "PortForwarding": VPCVR,
    "Vpn": VPCVR,
    "NetworkACL": VPCVR,
}
_VPC_NO_LB = {k: v for k, v in _VPC.items() if k != "Lb"}

NETWORK_OFFERINGS = [
    DefaultOffering(
        "DefaultSharedNetworkOfferingWithSGService",
        "Offering for Shared Security group enabled networks",
        "Shared",
        {**_BASIC, "SecurityGroup": SG},
        specify_vlan=True,
        specify_ip_ranges=True,
    ),
    DefaultOffering(
        "DefaultSharedNetworkOffering",
        "Offering for Shared networks",
        "Shared",
        dict(_BASIC),
        specify_vlan=True,
        specify_ip_ranges=True,
    ),
    DefaultOffering(
        "DefaultIsolatedNetworkOfferingWithSourceNatService",
        "Offering for Isolated networks with Source Nat service enabled",
        "Isolated",
        _ISOLATED_SNAT,
        _SNAT_CAPS,
        availability="Required",
    ),
    DefaultOffering(
        "DefaultIsolatedNetworkOffering",
        "Offering for Isolated networks with no Source Nat service",
        "Isolated",
        dict(_BASIC),
        specify_vlan=True,
        specify_ip_ranges=True,
    ),
    DefaultOffering(
        "DefaultSharedNetscalerEIPandELBNetworkOffering",
        "Offering for Shared networks with Elastic IP and Elastic LB capabilities",
        "Shared",
        {**_BASIC, "SecurityGroup": SG, "StaticNat": "Netscaler", "Lb": "Netscaler"},
        {
            "StaticNat": {"ElasticIp": "true", "AssociatePublicIP": "true"},
            "Lb": {"ElasticLb": "true", "SupportedLBIsolation": "dedicated", "lbSchemes": "public"},
        },
        specify_vlan=True,
        specify_ip_ranges=True,
    ),
    DefaultOffering(
        "DefaultIsolatedNetworkOfferingForVpcNetworks",
        "Offering for Isolated VPC networks with Source Nat service enabled",
        "Isolated",
        _VPC,
        {"SourceNat": {"SupportedSourceNatTypes": "peraccount"}, "Lb": {"lbSchemes": "public"}},
        conserve_mode=False,
        for_vpc=True,
    ),
    DefaultOffering(
        "DefaultIsolatedNetworkOfferingForVpcNetworksNoLB",
        "Offering for Isolated VPC networks with Source Nat service enabled and LB service "
        "disabled",
        "Isolated",
        _VPC_NO_LB,
        {"SourceNat": {"SupportedSourceNatTypes": "peraccount"}},
        conserve_mode=False,
        for_vpc=True,
    ),
    DefaultOffering(
        "DefaultIsolatedNetworkOfferingForVpcNetworksWithInternalLB",
        "Offering for Isolated VPC networks with Internal Lb support",
        "Isolated",
        {**_VPC_NO_LB, "Lb": "InternalLbVm"},
        {"SourceNat": {"SupportedSourceNatTypes": "peraccount"}, "Lb": {"lbSchemes": "internal"}},
        conserve_mode=False,
        for_vpc=True,
    ),
    DefaultOffering(
        "QuickCloudNoServices",
        "Offering for QuickCloud with no services",
        "Shared",
        {"SecurityGroup": SG, "Dhcp": VR, "Dns": VR, "UserData": VR},
        specify_vlan=True,
        specify_ip_ranges=True,
    ),
    DefaultOffering("DefaultL2NetworkOffering", "Offering for L2 networks", "L2", {}),
    DefaultOffering(
        "DefaultL2NetworkOfferingVlan",
        "Offering for L2 networks VLAN",
        "L2",
        {},
        specify_vlan=True,
    ),
    DefaultOffering(
        "DefaultL2NetworkOfferingConfigDrive",
        "Offering for L2 networks with config drive user data",
        "L2",
        {"UserData": "ConfigDrive"},
    ),
    DefaultOffering(
        "DefaultL2NetworkOfferingConfigDriveVlan",
        "Offering for L2 networks with config drive user data VLAN",
        "L2",
        {"UserData": "ConfigDrive"},
        specify_vlan=True,
    ),
]

VPC_OFFERINGS = [
    DefaultOffering(
        "Default VPC offering",
        "Default VPC offering",
        "Isolated",
        {**_VPC},
        {"SourceNat": {"SupportedSourceNatTypes": "peraccount"}},
    ),
    DefaultOffering(
        "Default VPC  offering with Netscaler",
        "Default VPC  offering with Netscaler",
        "Isolated",
        {**_VPC, "Lb": "Netscaler"},
        {"SourceNat": {"SupportedSourceNatTypes": "peraccount"}},
    ),
    DefaultOffering(
        "Redundant VPC offering",
        "Redundant VPC offering",
        "Isolated",
        {**_VPC},
        {
            "SourceNat": {"SupportedSourceNatTypes": "peraccount", "RedundantRouter": "true"},
            "Gateway": {"RedundantRouter": "true"},
        },
    ),
]
