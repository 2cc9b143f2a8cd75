"""``cumulo lab status``: processes, VIP holders, wsrep state, HAProxy backends."""

from __future__ import annotations

from typing import Any

from cumulo.cluster.haproxystats import from_socket
from cumulo.lab import mariadb, netns, procs, services
from cumulo.lab.lab import vip_holders
from cumulo.lab.topology import DB_NODES, LBS, LabConfig


def collect(cfg: LabConfig) -> dict[str, Any]:
    present = netns.existing()
    hosts: dict[str, Any] = {}
    for host in (*DB_NODES, *LBS):
        procs_state = {
            svc: procs.alive(procs.read_pid(services.pidfile(cfg, host, svc)))
            for svc in services.services(host)
        }
        hosts[host] = {"namespace": cfg.ns(host) in present, "processes": procs_state}
        if host in DB_NODES:
            st = mariadb.wsrep(cfg, host)
            hosts[host]["wsrep"] = {
                k: st.get(k)
                for k in (
                    "wsrep_local_state_comment",
                    "wsrep_cluster_size",
                    "wsrep_ready",
                    "wsrep_cluster_status",
                )
            }
    backends: dict[str, Any] = {}
    for lb in LBS:
        try:
            backends[lb] = {
                f"{s.proxy}/{s.server}": s.status
                for s in from_socket(cfg.layout(lb).haproxy_socket)
            }
        except OSError as exc:
            backends[lb] = {"error": f"stats socket unreachable ({exc.__class__.__name__})"}
    return {"hosts": hosts, "vips": vip_holders(cfg), "haproxy": backends}


def format_text(st: dict[str, Any]) -> str:
    lines = []
    for host, h in st["hosts"].items():
        procs_text = " ".join(f"{k}={'up' if v else 'DOWN'}" for k, v in h["processes"].items())
        line = f"{host:<4} {procs_text}"
        if "wsrep" in h:
            w = h["wsrep"]
            line += (
                f"  wsrep={w['wsrep_local_state_comment'] or 'unreachable'} "
                f"size={w['wsrep_cluster_size']} ready={w['wsrep_ready']}"
            )
        lines.append(line)
    for role, holders in st["vips"].items():
        lines.append(f"VIP {role}: {', '.join(holders) or 'NOBODY'}")
    for lb, servers in st["haproxy"].items():
        lines.append(f"haproxy {lb}: " + ", ".join(f"{k}={v}" for k, v in servers.items()))
    return "\n".join(lines)
