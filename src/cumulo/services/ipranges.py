"""IPv4 range checks shared by pods, public ranges and host addressing."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from cumulo.errors import InvalidParameter

IPv4 = ipaddress.IPv4Address


def address(value: str, what: str) -> IPv4:
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise InvalidParameter(f"{what} {value!r} is not a valid IPv4 address") from None


def network(gateway: str, netmask: str) -> ipaddress.IPv4Network:
    address(gateway, "Gateway")
    try:
        return ipaddress.IPv4Network(f"{gateway.strip()}/{netmask.strip()}", strict=False)
    except ValueError:
        raise InvalidParameter(f"Netmask {netmask!r} is not a valid IPv4 netmask") from None


def cidr(value: str, what: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value.strip(), strict=False)
    except ValueError:
        raise InvalidParameter(f"{what} {value!r} is not a valid IPv4 CIDR") from None


def checked_range(
    gateway: str, netmask: str, start: str, end: str | None
) -> tuple[IPv4, IPv4, ipaddress.IPv4Network]:
    """Validate start..end inside gateway/netmask, gateway outside the range."""
    net = network(gateway, netmask)
    first = address(start, "Start IP")
    last = address(end, "End IP") if end else first
    if last < first:
        raise InvalidParameter(f"End IP {last} is lower than start IP {first}")
    for ip, what in ((first, "Start IP"), (last, "End IP")):
        if ip not in net:
            raise InvalidParameter(f"{what} {ip} is not in the subnet {net} of gateway {gateway}")
    gw = address(gateway, "Gateway")
    if first <= gw <= last:
        raise InvalidParameter(f"Gateway {gw} must not be inside the range {first}-{last}")
    return first, last, net


def size(start: str | None, end: str | None) -> int:
    if not start:
        return 0
    first = ipaddress.IPv4Address(start)
    last = ipaddress.IPv4Address(end) if end else first
    return int(last) - int(first) + 1


def overlaps(first: IPv4, last: IPv4, others: Iterable[tuple[str | None, str | None]]) -> bool:
    for start, end in others:
        if not start:
            continue
        a = ipaddress.IPv4Address(start)
        b = ipaddress.IPv4Address(end) if end else a
        if first <= b and a <= last:
            return True
    return False


def first_free(start: str, end: str | None, taken: Iterable[str | None]) -> str | None:
    used = {t for t in taken if t}
    first = int(ipaddress.IPv4Address(start))
    last = int(ipaddress.IPv4Address(end)) if end else first
    for n in range(first, last + 1):
        candidate = str(ipaddress.IPv4Address(n))
        if candidate not in used:
            return candidate
    return None
