"""CloudStack's configuration groups and subgroups (``listConfigurationGroups``).

Names, descriptions and precedences as CloudStack 4.18+ seeds them; every
setting of the catalogue belongs to one group and one of its subgroups.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    name: str
    description: str
    precedence: int
    subgroups: tuple[str, ...]  # in precedence order, 1..n

    def subgroup_precedence(self, name: str) -> int:
        if name == "Others":
            return 999
        return self.subgroups.index(name) + 1


GROUPS: tuple[Group, ...] = (
    Group(
        "Access",
        "Identity and Access management configuration",
        1,
        ("Account", "Domain", "Project", "LDAP", "SAML", "User", "Authentication", "Others"),
    ),
    Group(
        "Compute",
        "Compute configuration",
        2,
        ("Virtual Machine", "Kubernetes", "High Availability", "Allocator", "Others"),
    ),
    Group(
        "Storage",
        "Storage configuration",
        3,
        (
            "Images",
            "Volume",
            "Snapshot",
            "VM Snapshot",
            "Primary Storage",
            "Secondary Storage",
            "Others",
        ),
    ),
    Group(
        "Network",
        "Network configuration",
        4,
        ("Network", "DHCP", "VPC", "LoadBalancer", "Others"),
    ),
    Group(
        "Hypervisor",
        "Hypervisor specific configuration",
        5,
        ("KVM", "VMware", "XenServer", "Hyper-V", "Simulator", "Others"),
    ),
    Group(
        "Management Server",
        "Management Server configuration",
        6,
        ("API", "Alerts", "Events", "Security", "Jobs", "Agent", "Cluster", "Others"),
    ),
    Group(
        "System VMs",
        "System VMs related configuration",
        7,
        ("Console Proxy", "Secondary Storage VM", "Virtual Router", "Diagnostics", "Others"),
    ),
    Group(
        "Infrastructure",
        "Infrastructure configuration",
        8,
        ("Zone", "Pod", "Cluster", "Host", "Capacity", "Others"),
    ),
    Group("Usage Server", "Usage Server related configuration", 9, ("Usage", "Others")),
    Group("Miscellaneous", "Miscellaneous configuration", 999, ("Others",)),
)

BY_NAME: dict[str, Group] = {g.name.lower(): g for g in GROUPS}


def find_group(name: str) -> Group | None:
    return BY_NAME.get(name.strip().lower())
