"""Ports each host must accept, by role: a readable list and an nftables table."""

from __future__ import annotations

from dataclasses import dataclass

from cumulo.cluster.inventory import Host
from cumulo.cluster.render.base import Artefact, Context


@dataclass(frozen=True)
class Rule:
    proto: str  # tcp | udp | vrrp
    port: int | None
    sources: tuple[str, ...]  # empty = anyone
    purpose: str


def rules_for(ctx: Context, host: Host) -> list[Rule]:
    inv = ctx.inv
    roles = inv.roles(host.name)
    lbs_web = tuple(lb.address(inv.web_net) for lb in inv.load_balancers)
    lbs_db = tuple(lb.address(inv.db_net) for lb in inv.load_balancers)
    out: list[Rule] = []
    if "lb" in roles:
        w = inv.web
        out.append(Rule("tcp", w.http_port, (), "cumulo API/UI on the web VIP"))
        if w.tls:
            out.append(Rule("tcp", w.https_port, (), "cumulo API/UI over TLS on the web VIP"))
        out.append(Rule("tcp", w.agent_port, (), "agents on the web VIP"))
        mgmt = tuple(m.address(inv.db_net) for m in inv.management if inv.db_net in m.addresses)
        mgmt += tuple(m.address(inv.web_net) for m in inv.management)
        out.append(Rule("tcp", inv.database.port, tuple(sorted(set(mgmt))), "DB VIP"))
        out.append(Rule("tcp", w.stats_port, (), "HAProxy stats page (password)"))
        peers = tuple(
            p.address(net)
            for p in inv.load_balancers
            if p.name != host.name
            for net in {inv.web_net, inv.db_net}
        )
        out.append(Rule("vrrp", None, tuple(sorted(set(peers))), "VRRP between load balancers"))
    if "management" in roles:
        out.append(Rule("tcp", inv.web.http_port, lbs_web, "cumulo API from the LBs"))
        out.append(Rule("tcp", inv.web.agent_port, lbs_web, "agents from the LBs"))
    if "galera" in roles or "arbitrator" in roles:
        peers = tuple(
            ctx.db_addr(n)
            for n in [*inv.galera_nodes, *([inv.arbitrator] if inv.arbitrator else [])]
            if n.name != host.name
        )
        peers = tuple(sorted(set(peers)))
        out.append(Rule("tcp", 4567, peers, "Galera replication"))
        out.append(Rule("udp", 4567, peers, "Galera replication (multicast/udp)"))
    if "galera" in roles:
        peers = tuple(sorted({ctx.db_addr(n) for n in inv.galera_nodes if n.name != host.name}))
        out.append(Rule("tcp", 4568, peers, "Galera IST"))
        out.append(Rule("tcp", 4444, peers, "Galera SST"))
        out.append(Rule("tcp", inv.database.port, lbs_db, "MariaDB from the LBs"))
        out.append(Rule("tcp", inv.database.clustercheck_port, lbs_db, "clustercheck"))
    return out


def text(host: Host, rules: list[Rule]) -> str:
    lines = [f"# Inbound ports for {host.name}", "proto  port   from                          why"]
    for r in rules:
        port = "-" if r.port is None else str(r.port)
        src = ",".join(r.sources) or "any"
        lines.append(f"{r.proto:<6} {port:<6} {src:<29} {r.purpose}")
    return "\n".join(lines) + "\n"


def nft(host: Host, rules: list[Rule]) -> str:
    """A table of its own: accepts the listed sources, drops the same ports from others."""
    lines = [
        f"# nftables rules for {host.name}: `nft -f` this file.",
        "table inet cumulo {",
        "    chain input {",
        "        type filter hook input priority -10; policy accept;",
    ]
    closed: dict[str, set[int]] = {}
    for r in rules:
        src = f"ip saddr {{ {', '.join(r.sources)} }} " if r.sources else ""
        if r.proto == "vrrp":
            lines.append(f"        {src}ip protocol vrrp accept  # {r.purpose}")
            continue
        lines.append(f"        {src}{r.proto} dport {r.port} accept  # {r.purpose}")
        if r.sources and r.port is not None:
            closed.setdefault(r.proto, set()).add(r.port)
    for proto, ports in sorted(closed.items()):
        plist = ", ".join(str(p) for p in sorted(ports))
        lines.append(f"        {proto} dport {{ {plist} }} drop")
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


def render(ctx: Context) -> list[Artefact]:
    out = []
    for host in ctx.inv.hosts.values():
        rules = rules_for(ctx, host)
        out.append(Artefact(f"{host.name}/firewall.txt", text(host, rules)))
        out.append(
            Artefact(f"{host.name}/firewall.nft", nft(host, rules), 0o644, "/etc/nftables.d/")
        )
    return out
