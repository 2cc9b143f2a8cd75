"""Namespaces, a bridge, veth pairs: the lab's wiring. Nothing lives in the root namespace."""

from __future__ import annotations

import subprocess


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def existing() -> set[str]:
    out = ip("netns", "list").stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def create_switch(sw: str) -> None:
    ip("netns", "add", sw)
    ip("-n", sw, "link", "add", "br0", "type", "bridge")
    ip("-n", sw, "link", "set", "br0", "up")
    ip("-n", sw, "link", "set", "lo", "up")


def attach(ns: str, sw: str, port: str, addresses: list[str]) -> None:
    """A host namespace with eth0 plugged into the switch's bridge."""
    ip("netns", "add", ns)
    ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", sw)
    ip("-n", sw, "link", "set", port, "master", "br0")
    ip("-n", sw, "link", "set", port, "up")
    for cidr in addresses:
        ip("-n", ns, "addr", "add", cidr, "dev", "eth0")
    ip("-n", ns, "link", "set", "eth0", "up")


def sysctl(ns: str, setting: str) -> None:
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", setting], check=True)


def delete(ns: str) -> None:
    ip("netns", "delete", ns, check=False)


def addresses(ns: str) -> list[str]:
    out = ip("-n", ns, "-4", "-o", "addr", "show", check=False).stdout
    return [line.split()[3].split("/")[0] for line in out.splitlines() if " inet " in line]


def safety_route(prefix: str, add: bool) -> None:
    """In the root namespace, lab addresses fail locally instead of leaving the machine."""
    verb = "replace" if add else "delete"
    ip("route", verb, "unreachable", prefix, "metric", "4242", check=False)
