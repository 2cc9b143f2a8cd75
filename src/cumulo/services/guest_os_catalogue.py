"""The guest OS catalogue seeded at first start: CloudStack's categories and common types.

Category names and OS descriptions are CloudStack's (``guest_os_category`` /
``guest_os`` rows of its schema scripts). Only commonly used types are
included; admins add more with addGuestOs.
"""

from __future__ import annotations

# In CloudStack's id order (CentOS=1 ... None=11).
CATEGORIES = (
    "CentOS",
    "Debian",
    "Oracle",
    "RedHat",
    "SUSE",
    "Windows",
    "Other",
    "Novel",
    "Unix",
    "Ubuntu",
    "None",
)
FEATURED = {"CentOS", "Debian", "RedHat", "Windows", "Ubuntu", "Other"}

OS_TYPES: dict[str, tuple[str, ...]] = {
    "CentOS": (
        "CentOS 5.5 (64-bit)",
        "CentOS 6.5 (64-bit)",
        "CentOS 6.10 (64-bit)",
        "CentOS 7",
        "CentOS 8",
        "CentOS Stream 9",
        "Rocky Linux 8",
        "Rocky Linux 9",
        "AlmaLinux 8",
        "AlmaLinux 9",
    ),
    "Debian": (
        "Debian GNU/Linux 8 (64-bit)",
        "Debian GNU/Linux 9 (64-bit)",
        "Debian GNU/Linux 10 (64-bit)",
        "Debian GNU/Linux 11 (64-bit)",
        "Debian GNU/Linux 12 (64-bit)",
    ),
    "Oracle": (
        "Oracle Enterprise Linux 6.5 (64-bit)",
        "Oracle Linux 7",
        "Oracle Linux 8",
        "Oracle Linux 9",
    ),
    "RedHat": (
        "Red Hat Enterprise Linux 6.5 (64-bit)",
        "Red Hat Enterprise Linux 7",
        "Red Hat Enterprise Linux 8",
        "Red Hat Enterprise Linux 9",
    ),
    "SUSE": (
        "SUSE Linux Enterprise Server 11 SP4 (64-bit)",
        "SUSE Linux Enterprise Server 12 SP5 (64-bit)",
        "SUSE Linux Enterprise Server 15 (64-bit)",
        "openSUSE Leap 15 (64-bit)",
    ),
    "Windows": (
        "Windows 7 (64-bit)",
        "Windows 8.1 (64-bit)",
        "Windows 10 (64-bit)",
        "Windows 11 (64-bit)",
        "Windows Server 2012 R2 (64-bit)",
        "Windows Server 2016 (64-bit)",
        "Windows Server 2019 (64-bit)",
        "Windows Server 2022 (64-bit)",
    ),
    "Other": (
        "Other (32-bit)",
        "Other (64-bit)",
        "Other Linux (32-bit)",
        "Other Linux (64-bit)",
        "Other PV (32-bit)",
        "Other PV (64-bit)",
        "Other PV Virtio-SCSI (64-bit)",
        "Other install media",
        "Other CentOS (64-bit)",
    ),
    "Novel": ("Novell Netware 6.x",),
    "Unix": (
        "FreeBSD 10 (64-bit)",
        "FreeBSD 11 (64-bit)",
        "FreeBSD 12 (64-bit)",
        "FreeBSD 13 (64-bit)",
        "Sun Solaris 10 (64-bit)",
        "Sun Solaris 11 (64-bit)",
    ),
    "Ubuntu": (
        "Ubuntu 16.04 LTS",
        "Ubuntu 18.04 LTS",
        "Ubuntu 20.04 LTS",
        "Ubuntu 22.04 LTS",
        "Ubuntu 24.04 LTS",
    ),
    "None": (),
}
