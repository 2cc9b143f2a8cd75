"""Pacemaker/Corosync alternative to Keepalived: the same VIPs as cluster resources."""

from __future__ import annotations

from cumulo.cluster.render.base import Artefact, Context


def render(ctx: Context) -> list[Artefact]:
    inv = ctx.inv
    lbs = inv.load_balancers
    master = max(lbs, key=lambda lb: lb.priority)
    lines = [
        "#!/bin/sh",
        "# Alternative to keepalived: run once on one load balancer after",
        "# `apt install pacemaker corosync pcs` on all of them. Do not run keepalived too.",
        "set -eu",
        f"echo '{ctx.secrets['pcs_password']}' | passwd --stdin hacluster 2>/dev/null || "
        f"echo 'hacluster:{ctx.secrets['pcs_password']}' | chpasswd",
        f"pcs host auth {' '.join(lb.name + ' addr=' + ctx.web_addr(lb) for lb in lbs)} "
        f"-u hacluster -p '{ctx.secrets['pcs_password']}'",
        f"pcs cluster setup {inv.name}-lb {' '.join(lb.name for lb in lbs)} --force",
        "pcs cluster start --all",
        "pcs cluster enable --all",
        "# Two nodes and no shared storage: quorum cannot be kept by a majority.",
        "pcs property set stonith-enabled=false",
        "pcs property set no-quorum-policy=ignore",
        "pcs resource defaults update resource-stickiness=100",
        "pcs resource create haproxy systemd:haproxy op monitor interval=1s clone",
    ]
    for role in ("web", "db"):
        vip = inv.vips[role]
        net = inv.networks[vip.network]
        name = f"vip_{role}"
        lines += [
            f"pcs resource create {name} ocf:heartbeat:IPaddr2 ip={vip.address} "
            f"cidr_netmask={net.prefix} nic={master.interface(vip.network)} "
            "op monitor interval=1s",
            f"pcs constraint colocation add {name} with haproxy-clone INFINITY",
            f"pcs constraint order haproxy-clone then {name}",
            f"pcs constraint location {name} prefers {master.name}=50",
        ]
    return [Artefact("pacemaker/setup-pcs.sh", "\n".join(lines) + "\n", 0o700)]
