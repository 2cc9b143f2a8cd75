"""Keepalived: a VRRP instance per VIP, unicast peers, a track script on HAProxy."""

from __future__ import annotations

from cumulo.cluster.inventory import LoadBalancer
from cumulo.cluster.render.base import Artefact, Context, seconds


def render(ctx: Context) -> list[Artefact]:
    out = []
    for lb in ctx.inv.load_balancers:
        lay = ctx.layout_for(lb.name)
        out.append(
            Artefact(
                f"{lb.name}/keepalived.conf",
                config(ctx, lb),
                0o640,
                "/etc/keepalived/keepalived.conf",
            )
        )
        out.append(
            Artefact(
                f"{lb.name}/chk_haproxy.sh",
                track_script(lay.haproxy_pid),
                0o755,
                lay.keepalived_script,
            )
        )
    return out


def track_script(pidfile: str) -> str:
    # pidof/killall would see the haproxy of every container or namespace on the
    # machine; the pid file is this host's own.
    return (
        "#!/bin/sh\n"
        "# Exit 0 only while this host's HAProxy runs (keepalived track_script).\n"
        f'pid=$(cat "{pidfile}" 2>/dev/null) || exit 1\n'
        '[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null\n'
    )


def config(ctx: Context, lb: LoadBalancer) -> str:
    inv, t = ctx.inv, ctx.inv.timers
    lay = ctx.layout_for(lb.name)
    master = max(inv.load_balancers, key=lambda x: x.priority)
    out = [
        "# Rendered by `cumulo cluster render`; edit the inventory, not this file.",
        "global_defs {",
        f"    router_id {lb.name}",
        "    enable_script_security",
        "    script_user root",
        "}",
        "",
        "vrrp_script chk_haproxy {",
        f'    script "{lay.keepalived_script}"',
        f"    interval {t.track_interval}",
        f"    fall {t.track_fall}",
        f"    rise {t.track_rise}",
        "}",
    ]
    for role in ("web", "db"):
        vip = inv.vips[role]
        net = inv.networks[vip.network]
        iface = lb.interface(vip.network)
        peers = [p.address(vip.network) for p in inv.load_balancers if p.name != lb.name]
        out += [
            "",
            f"vrrp_instance VI_{role.upper()} {{",
            f"    state {'MASTER' if lb.name == master.name else 'BACKUP'}",
            f"    interface {iface}",
            f"    virtual_router_id {vip.vrid}",
            f"    priority {lb.priority}",
            f"    advert_int {seconds(t.vrrp_advert_int)}",
            f"    unicast_src_ip {lb.address(vip.network)}",
            "    unicast_peer {",
            *[f"        {p}" for p in peers],
            "    }",
            "    authentication {",
            "        auth_type PASS",
            f"        auth_pass {ctx.secrets['vrrp_' + role]}",
            "    }",
            "    virtual_ipaddress {",
            f"        {vip.address}/{net.prefix} dev {iface}",
            "    }",
            "    track_script {",
            "        chk_haproxy",
            "    }",
            "}",
        ]
    return "\n".join(out) + "\n"
