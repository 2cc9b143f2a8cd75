"""Parameter declarations service and disk offerings share (disk characteristics)."""

from __future__ import annotations

from cumulo.api.params import BOOLEAN, INTEGER, LONG, STRING, UUID, Param

DISK_PARAMS = [
    Param(
        "storagetype",
        STRING,
        description="the storage type of the offering. Values are local and shared.",
    ),
    Param(
        "provisioningtype",
        STRING,
        description="provisioning type used to create volumes. Valid values are thin, sparse, fat.",
    ),
    Param(
        "cachemode",
        STRING,
        since="4.14",
        description="the cache mode to use for this disk "
        "offering. none, writeback, writethrough or hypervisor_default. If the hypervisor "
        "default cache mode is used on other hypervisors than KVM, it will fall back to none "
        "cache mode",
    ),
    Param(
        "customizediops",
        BOOLEAN,
        since="4.4",
        description="whether compute offering iops is custom or not",
    ),
    Param("miniops", LONG, since="4.4", description="min iops of the compute offering"),
    Param("maxiops", LONG, since="4.4", description="max iops of the compute offering"),
    Param(
        "hypervisorsnapshotreserve",
        INTEGER,
        since="4.4",
        description="Hypervisor snapshot "
        "reserve space as a percent of a volume (for managed storage using Xen or VMware)",
    ),
    Param(
        "storagepolicy",
        UUID,
        since="4.15",
        description="Name of the storage policy defined "
        "at vCenter, this is applicable only for VMware",
    ),
]


def _rate(name: str, what: str) -> Param:
    return Param(name, LONG, description=what)


RATE_PARAMS_DECL = [
    _rate("bytesreadrate", "bytes read rate of the disk offering"),
    _rate("bytesreadratemax", "burst bytes read rate of the disk offering"),
    _rate("bytesreadratemaxlength", "length (in seconds) of the burst"),
    _rate("byteswriterate", "bytes write rate of the disk offering"),
    _rate("byteswriteratemax", "burst bytes write rate of the disk offering"),
    _rate("byteswriteratemaxlength", "length (in seconds) of the burst"),
    _rate("iopsreadrate", "io requests read rate of the disk offering"),
    _rate("iopsreadratemax", "burst requests read rate of the disk offering"),
    _rate("iopsreadratemaxlength", "length (in seconds) of the burst"),
    _rate("iopswriterate", "io requests write rate of the disk offering"),
    _rate("iopswriteratemax", "burst io requests write rate of the disk offering"),
    _rate("iopswriteratemaxlength", "length (in seconds) of the burst"),
]
