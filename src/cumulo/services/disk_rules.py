"""Validation of the disk characteristics that disk and service offerings share."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.disk_offering import DiskCharacteristics
from cumulo.errors import InvalidParameter

STORAGE_TYPES = ("shared", "local")
PROVISIONING_TYPES = ("thin", "sparse", "fat")
CACHE_MODES = ("none", "writeback", "writethrough", "hypervisor_default")

# Wire parameter → column, for the IO throttling fields.
RATE_PARAMS = {
    "bytesreadrate": "bytes_read_rate",
    "bytesreadratemax": "bytes_read_rate_max",
    "bytesreadratemaxlength": "bytes_read_rate_max_length",
    "byteswriterate": "bytes_write_rate",
    "byteswriteratemax": "bytes_write_rate_max",
    "byteswriteratemaxlength": "bytes_write_rate_max_length",
    "iopsreadrate": "iops_read_rate",
    "iopsreadratemax": "iops_read_rate_max",
    "iopsreadratemaxlength": "iops_read_rate_max_length",
    "iopswriterate": "iops_write_rate",
    "iopswriteratemax": "iops_write_rate_max",
    "iopswriteratemaxlength": "iops_write_rate_max_length",
}

# Column → CloudStack's capitalised response field.
RATE_FIELDS = {
    "bytes_read_rate": "diskBytesReadRate",
    "bytes_read_rate_max": "diskBytesReadRateMax",
    "bytes_read_rate_max_length": "diskBytesReadRateMaxLength",
    "bytes_write_rate": "diskBytesWriteRate",
    "bytes_write_rate_max": "diskBytesWriteRateMax",
    "bytes_write_rate_max_length": "diskBytesWriteRateMaxLength",
    "iops_read_rate": "diskIopsReadRate",
    "iops_read_rate_max": "diskIopsReadRateMax",
    "iops_read_rate_max_length": "diskIopsReadRateMaxLength",
    "iops_write_rate": "diskIopsWriteRate",
    "iops_write_rate_max": "diskIopsWriteRateMax",
    "iops_write_rate_max_length": "diskIopsWriteRateMaxLength",
}


def choice(value: str | None, allowed: tuple[str, ...], param: str, default: str) -> str:
    if value is None:
        return default
    v = value.strip().lower()
    if v not in allowed:
        raise InvalidParameter(f"Invalid {param} {value!r}; valid values are: {', '.join(allowed)}")
    return v


def normalise_tags(tags: str | None) -> str | None:
    """Comma-separated tags without blanks or duplicates; None when empty."""
    if tags is None:
        return None
    seen: list[str] = []
    for t in tags.split(","):
        t = t.strip()
        if t and t not in seen:
            seen.append(t)
    return ",".join(seen) or None


def check_rates(values: dict[str, Any]) -> None:
    for param in RATE_PARAMS:
        v = values.get(param)
        if v is not None and v < 0:
            raise InvalidParameter(f"{param} must be zero or positive, got {v}")
    for kind in ("bytesread", "byteswrite", "iopsread", "iopswrite"):
        rate, peak = values.get(f"{kind}rate"), values.get(f"{kind}ratemax")
        if rate and peak and peak < rate:
            raise InvalidParameter(
                f"{kind}ratemax ({peak}) must be greater than or equal to {kind}rate ({rate})"
            )


def check_iops(values: dict[str, Any]) -> None:
    lo, hi = values.get("miniops"), values.get("maxiops")
    if values.get("customizediops") and (lo is not None or hi is not None):
        raise InvalidParameter("miniops and maxiops must not be given when customizediops is true")
    if (lo is not None and lo < 0) or (hi is not None and hi < 0):
        raise InvalidParameter("miniops and maxiops must be zero or positive")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidParameter(f"miniops ({lo}) must be less than or equal to maxiops ({hi})")


def apply_disk(row: DiskCharacteristics, values: dict[str, Any], *, tags_param: str) -> None:
    """Validate and copy the shared disk fields from wire values onto a new row."""
    check_rates(values)
    check_iops(values)
    row.storage_type = choice(values.get("storagetype"), STORAGE_TYPES, "storagetype", "shared")
    row.provisioning_type = choice(
        values.get("provisioningtype"), PROVISIONING_TYPES, "provisioningtype", "thin"
    )
    mode = values.get("cachemode")
    row.cache_mode = choice(mode, CACHE_MODES, "cachemode", "none") if mode else None
    row.storage_tags = normalise_tags(values.get(tags_param))
    row.customized_iops = values.get("customizediops")
    row.min_iops = values.get("miniops")
    row.max_iops = values.get("maxiops")
    row.hypervisor_snapshot_reserve = values.get("hypervisorsnapshotreserve")
    for param, column in RATE_PARAMS.items():
        setattr(row, column, values.get(param))


def disk_fields(row: DiskCharacteristics) -> dict[str, Any]:
    """Response fields for the shared disk characteristics."""
    out: dict[str, Any] = {
        "storagetype": row.storage_type,
        "provisioningtype": row.provisioning_type,
        "iscustomizediops": row.customized_iops,
        "miniops": row.min_iops,
        "maxiops": row.max_iops,
        "hypervisorsnapshotreserve": row.hypervisor_snapshot_reserve,
        "cacheMode": row.cache_mode,
    }
    for column, name in RATE_FIELDS.items():
        out[name] = getattr(row, column)
    return out
