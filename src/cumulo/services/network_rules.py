"""Firewall, port forwarding, static NAT and load balancer rules of guest networks.

Rules are written in the handler's transaction after a conflict check on the
public IP (overlapping ports for the same protocol → 537). The check-then-
insert is made safe across nodes by bumping ``public_ip.rules_version`` in the
same transaction: two conflicting creations write the same row, so one of
them is rolled back and retried, and then sees the other's rule.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.network import Network
from cumulo.db.models.network_rule import LbVmMap, NetworkRule
from cumulo.db.models.nic import Nic
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.errors import InvalidParameter, NetworkRuleConflict
from cumulo.services import events, nic_secondary_ips

PROTOCOLS = ("tcp", "udp", "icmp", "all")
LB_ALGORITHMS = ("roundrobin", "leastconn", "source")


@dataclass(frozen=True)
class Ports:
    protocol: str
    start: int | None
    end: int | None

    def overlaps(self, other: Ports) -> bool:
        if "all" in (self.protocol, other.protocol):
            return True
        if self.protocol != other.protocol:
            return False
        if self.start is None or other.start is None:  # icmp, or every port
            return True
        return self.start <= (other.end or other.start) and other.start <= (self.end or self.start)


def ports(protocol: str | None, start: int | None, end: int | None) -> Ports:
    proto = (protocol or "tcp").lower()
    if proto not in PROTOCOLS and not proto.isdigit():
        raise InvalidParameter(f"Invalid protocol {protocol}; use tcp, udp, icmp or all")
    if proto in ("icmp", "all"):
        if start is not None or end is not None:
            raise InvalidParameter(f"Ports cannot be given for protocol {proto}")
        return Ports(proto, None, None)
    if start is None:
        if end is not None:
            raise InvalidParameter("startport is required when endport is given")
        return Ports(proto, None, None)
    end = start if end is None else end
    for port in (start, end):
        if not 1 <= port <= 65535:
            raise InvalidParameter(f"Invalid port {port}; ports are 1-65535")
    if end < start:
        raise InvalidParameter(f"Invalid port range {start}-{end}: the end is below the start")
    return Ports(proto, start, end)


def cidrs(values: list[str] | None, default: str = "0.0.0.0/0") -> str:
    if not values:
        return default
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise InvalidParameter(f"Invalid CIDR {value} in cidrlist") from None
    return ",".join(out)


def touch_ip(session: Session, ip: PublicIp) -> None:
    session.execute(
        update(PublicIp)
        .where(PublicIp.id == ip.id)
        .values(rules_version=PublicIp.rules_version + 1)
    )


def rules_on_ip(session: Session, ip_id: int, purposes: tuple[str, ...]) -> list[NetworkRule]:
    return list(
        session.execute(
            select(NetworkRule).where(
                NetworkRule.ip_id == ip_id,
                NetworkRule.purpose.in_(purposes),
                NetworkRule.state != "Revoke",
            )
        ).scalars()
    )


def rule_ports(rule: NetworkRule) -> Ports:
    return Ports(rule.protocol, rule.start_port, rule.end_port)


def check_conflicts(session: Session, ip: PublicIp, purpose: str, new: Ports, cidr: str) -> None:
    """Firewall rules conflict with firewall rules for the same sources; NAT rules
    (port forwarding, load balancing) with each other and with static NAT."""
    if purpose == "Firewall":
        for rule in rules_on_ip(session, ip.id, ("Firewall",)):
            if rule.cidr_list == cidr and rule_ports(rule).overlaps(new):
                raise NetworkRuleConflict(_clash(ip, rule))
        return
    if ip.is_static_nat:
        raise NetworkRuleConflict(
            f"IP address {ip.address} has static NAT enabled; port forwarding and load "
            "balancing rules cannot use it"
        )
    for rule in rules_on_ip(session, ip.id, ("PortForwarding", "LoadBalancing")):
        if rule_ports(rule).overlaps(new):
            raise NetworkRuleConflict(_clash(ip, rule))


def _clash(ip: PublicIp, rule: NetworkRule) -> str:
    span = "all ports" if rule.start_port is None else f"ports {rule.start_port}-{rule.end_port}"
    return (
        f"The rule conflicts with {rule.purpose} rule {rule.uuid} on IP address {ip.address} "
        f"({rule.protocol}, {span}); choose other ports or delete that rule"
    )


def network_vm(session: Session, vm: VMInstance, network: Network) -> Nic:
    """The VM's NIC on the rule's network; the VM must be a live user VM there."""
    if (
        vm.vm_type != VmType.USER
        or vm.removed is not None
        or vm.state in ("Destroyed", "Expunging")
    ):
        raise InvalidParameter(f"Virtual machine {vm.uuid} cannot be used in a rule")
    nic = session.execute(
        select(Nic).where(
            Nic.instance_id == vm.id, Nic.network_id == network.id, Nic.removed.is_(None)
        )
    ).scalar_one_or_none()
    if nic is None:
        raise InvalidParameter(
            f"Virtual machine {vm.name} has no NIC on network {network.name}; "
            "use a VM of the rule's network"
        )
    return nic


def target(session: Session, vm: VMInstance, network: Network, vm_ip: str | None) -> str | None:
    """The VM address a rule forwards to: its NIC's address on the network, or
    ``vm_ip`` (vmguestip) when that is one of the NIC's secondary IPs."""
    return nic_secondary_ips.guest_address(session, network_vm(session, vm, network), vm_ip)


def add(session: Session, caller: Caller, rule: NetworkRule, event: str) -> NetworkRule:
    session.add(rule)
    session.flush()
    events.record(
        session,
        caller,
        event,
        f"{rule.purpose} rule {rule.uuid} created",
        resource_type="FirewallRule",
        resource_uuid=rule.uuid,
    )
    return rule


def revoke(session: Session, caller: Caller, rule: NetworkRule, event: str) -> None:
    rule.state = "Revoke"
    if rule.ip_id is not None:
        ip = session.get(PublicIp, rule.ip_id)
        if ip is not None:
            touch_ip(session, ip)
    events.record(
        session,
        caller,
        event,
        f"{rule.purpose} rule {rule.uuid} deleted",
        resource_type="FirewallRule",
        resource_uuid=rule.uuid,
    )


def _rule_ids(network_id: int):  # type: ignore[no-untyped-def]
    return select(NetworkRule.id).where(NetworkRule.network_id == network_id)


def _delete_rule(session: Session, rule: NetworkRule) -> None:
    for member in session.execute(select(LbVmMap).where(LbVmMap.rule_id == rule.id)).scalars():
        session.delete(member)
    session.delete(rule)


def applied(session: Session, network_id: int) -> None:
    """The router took the set: Add → Active, revoked rules and members go."""
    revoked = select(NetworkRule).where(
        NetworkRule.network_id == network_id, NetworkRule.state == "Revoke"
    )
    for rule in session.execute(revoked).scalars():
        _delete_rule(session, rule)
    members = select(LbVmMap).where(
        LbVmMap.state == "Revoke", LbVmMap.rule_id.in_(_rule_ids(network_id))
    )
    for member in session.execute(members).scalars():
        session.delete(member)
    session.execute(
        update(NetworkRule)
        .where(NetworkRule.network_id == network_id, NetworkRule.state == "Add")
        .values(state="Active")
    )
    session.execute(
        update(LbVmMap).where(LbVmMap.rule_id.in_(_rule_ids(network_id))).values(state="Active")
    )


def not_applied(session: Session, network_id: int) -> None:
    """The router refused the set: new rules and members go, revoked ones stay."""
    added = select(NetworkRule).where(
        NetworkRule.network_id == network_id, NetworkRule.state == "Add"
    )
    for rule in session.execute(added).scalars():
        _delete_rule(session, rule)
    for member in session.execute(
        select(LbVmMap).where(LbVmMap.state == "Add", LbVmMap.rule_id.in_(_rule_ids(network_id)))
    ).scalars():
        session.delete(member)
    session.execute(
        update(NetworkRule)
        .where(NetworkRule.network_id == network_id, NetworkRule.state == "Revoke")
        .values(state="Active")
    )
    session.execute(
        update(LbVmMap).where(LbVmMap.rule_id.in_(_rule_ids(network_id))).values(state="Active")
    )


def rule_set(session: Session, network_id: int) -> list[dict[str, object]]:
    """What the router must enforce: every rule not being revoked, and static NATs."""
    out: list[dict[str, object]] = []
    rules = select(NetworkRule, PublicIp.address).outerjoin(
        PublicIp, PublicIp.id == NetworkRule.ip_id
    )
    rules = rules.where(NetworkRule.network_id == network_id, NetworkRule.state != "Revoke")
    for rule, address in session.execute(rules.order_by(NetworkRule.id)).all():
        item: dict[str, object] = {
            "id": rule.uuid,
            "purpose": rule.purpose,
            "traffic": rule.traffic_type,
            "publicip": address,
            "protocol": rule.protocol,
            "ports": [rule.start_port, rule.end_port],
            "cidrs": rule.cidr_list.split(","),
        }
        if rule.purpose in ("PortForwarding", "StaticNat"):
            item.update(
                vmip=rule.vm_ip, privateports=[rule.private_start_port, rule.private_end_port]
            )
        if rule.purpose == "LoadBalancing":
            members = select(LbVmMap.vm_ip).where(
                LbVmMap.rule_id == rule.id, LbVmMap.state != "Revoke"
            )
            item.update(
                algorithm=rule.algorithm,
                privateports=[rule.private_start_port, rule.private_end_port],
                # vm_ip is nullable; "" only gives None a sort key, str-only lists sort as before.
                members=sorted(session.execute(members).scalars(), key=lambda ip: ip or ""),
            )
        out.append(item)
    nats = select(PublicIp.address, func.coalesce(PublicIp.static_nat_vm_ip, Nic.ip4_address)).join(
        Nic, (Nic.instance_id == PublicIp.static_nat_vm_id) & (Nic.network_id == network_id)
    )
    nats = nats.where(
        PublicIp.network_id == network_id,
        PublicIp.is_static_nat.is_(True),
        PublicIp.removed.is_(None),
        Nic.removed.is_(None),
    )
    for public, private in session.execute(nats).all():
        out.append({"purpose": "StaticNat", "publicip": public, "vmip": private})
    return out


def remove_for_network(session: Session, network_id: int) -> None:
    """The network goes: its rules go with it."""
    for rule in session.execute(
        select(NetworkRule).where(NetworkRule.network_id == network_id)
    ).scalars():
        _delete_rule(session, rule)
