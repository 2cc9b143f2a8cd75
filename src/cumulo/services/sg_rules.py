"""Security groups on the hosts: each running VM's NICs get their effective rule set.

A VM's effective rules are the rules of every group it belongs to, with a rule
that allows another group expanded to that group's members' addresses. The
whole set is sent each time (``SecurityGroupRulesCmd``), so pushing is
idempotent and a failed push is repaired by the next one. Pushes happen when
a VM starts, when rules are authorized or revoked, and when group membership
changes (a member's address appears in other groups' rules).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.host import Host
from cumulo.db.models.network import Network
from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.nic import Nic
from cumulo.db.models.nic_secondary_ip import NicSecondaryIp
from cumulo.db.models.security_group import SecurityGroupRule, SecurityGroupVm
from cumulo.db.models.vm import VMInstance
from cumulo.drivers import registry
from cumulo.drivers.base import COMMAND_SECURITY_RULES
from cumulo.services import network_offerings, simulator_mocks
from cumulo.services.vms.common import Tx, vm_event, vm_of
from cumulo.services.vms.start import _mj, _mock

log = logging.getLogger(__name__)


def groups_of(session: Session, vm_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {v: [] for v in vm_ids}
    if vm_ids:
        rows = session.execute(
            select(SecurityGroupVm.vm_id, SecurityGroupVm.group_id).where(
                SecurityGroupVm.vm_id.in_(vm_ids)
            )
        )
        for vm_id, group_id in rows:
            out[vm_id].append(group_id)
    return out


def _member_addresses(session: Session, group_id: int) -> list[str]:
    """The default NIC addresses of the group's members, their secondary IPs included
    (as CloudStack expands a group)."""
    members = select(SecurityGroupVm.vm_id).where(SecurityGroupVm.group_id == group_id)
    default_nics = select(Nic.id).where(
        Nic.instance_id.in_(members), Nic.removed.is_(None), Nic.is_default.is_(True)
    )
    primary = select(Nic.ip4_address).where(Nic.id.in_(default_nics), Nic.ip4_address.is_not(None))
    secondary = select(NicSecondaryIp.ip4_address).where(
        NicSecondaryIp.nic_id.in_(default_nics), NicSecondaryIp.removed.is_(None)
    )
    rows = session.execute(primary.union_all(secondary)).scalars()
    return sorted(f"{ip}/32" for ip in rows if ip)


def effective_rules(session: Session, vm_id: int) -> dict[str, list[dict[str, Any]]]:
    """``{"ingress": [...], "egress": [...]}`` for one VM, in a stable order."""
    group_ids = groups_of(session, [vm_id])[vm_id]
    out: dict[str, list[dict[str, Any]]] = {"ingress": [], "egress": []}
    if not group_ids:
        return out
    rules = session.execute(
        select(SecurityGroupRule)
        .where(SecurityGroupRule.group_id.in_(group_ids))
        .order_by(SecurityGroupRule.id)
    ).scalars()
    for rule in rules:
        if rule.allowed_group_id is not None:
            cidrs = _member_addresses(session, rule.allowed_group_id)
        else:
            cidrs = [rule.cidr] if rule.cidr else []
        out[rule.type].append(
            {
                "protocol": rule.protocol,
                "startport": rule.start_port,
                "endport": rule.end_port,
                "icmptype": rule.icmp_type,
                "icmpcode": rule.icmp_code,
                "cidrs": cidrs,
            }
        )
    return out


def _sg_network(session: Session, network: Network, cache: dict[int, bool]) -> bool:
    if network.network_offering_id not in cache:
        offering = session.get(NetworkOffering, network.network_offering_id)
        cache[network.network_offering_id] = offering is not None and (
            "SecurityGroup" in network_offerings.services_of(session, offering).providers
        )
    return cache[network.network_offering_id]


def targets(session: Session, vm_ids: list[int]) -> list[dict[str, Any]]:
    """One push per NIC on a security-group network of each running VM."""
    out: list[dict[str, Any]] = []
    cache: dict[int, bool] = {}
    for vm_id in sorted(set(vm_ids)):
        vm = session.get(VMInstance, vm_id)
        if vm is None or vm.state != "Running" or vm.host_id is None:
            continue
        rows = session.execute(
            select(Nic, Network)
            .join(Network, Network.id == Nic.network_id)
            .where(Nic.instance_id == vm_id, Nic.removed.is_(None))
        ).all()
        nics = [(nic, network) for nic, network in rows if _sg_network(session, network, cache)]
        host = session.get(Host, vm.host_id) if nics else None
        if host is None:
            continue
        rules = None
        for nic, _network in nics:
            rules = rules if rules is not None else effective_rules(session, vm_id)
            out.append(
                {
                    "vm_id": vm_id,
                    "guid": host.guid,
                    "hypervisor": host.hypervisor or "Simulator",
                    "vm": vm.instance_name,
                    "mac": nic.mac_address,
                    "rules": rules,
                    "mock": _mj(simulator_mocks.take(session, COMMAND_SECURITY_RULES, host)),
                }
            )
    return out


def affected(session: Session, group_ids: list[int]) -> list[int]:
    """VMs whose effective rules depend on these groups: members, and members of
    groups with rules that allow one of them."""
    if not group_ids:
        return []
    referring = select(SecurityGroupRule.group_id).where(
        SecurityGroupRule.allowed_group_id.in_(group_ids)
    )
    rows = session.execute(
        select(SecurityGroupVm.vm_id).where(
            SecurityGroupVm.group_id.in_(group_ids) | SecurityGroupVm.group_id.in_(referring)
        )
    ).scalars()
    return sorted(set(rows))


def push(tx: Tx[Any], caller: Caller, vm_ids: list[int]) -> list[str]:
    """Send the effective rules to the hosts; the VMs that could not be programmed."""
    return push_targets(tx, caller, tx(lambda s: targets(s, vm_ids)))


def push_targets(tx: Tx[Any], caller: Caller, found: list[dict[str, Any]]) -> list[str]:
    """``push`` for targets already computed (``targets``), e.g. in the caller's transaction."""
    failed: list[str] = []
    for target in found:
        driver = registry.driver_for(target["hypervisor"])
        answer = driver.apply_security_rules(
            target["guid"], target["vm"], target["mac"], target["rules"], _mock(target["mock"])
        )
        if not answer.ok:
            log.warning("security group rules not applied to %s: %s", target["vm"], answer.details)
            failed.append(target["vm"])
            tx(
                lambda s, t=target, a=answer: vm_event(  # type: ignore[misc]
                    s,
                    caller,
                    vm_of(s, t["vm_id"]),
                    "SG.UPDATE",
                    f"Security group rules not applied ({a.details})",
                    "ERROR",
                )
            )
    return failed


def push_for_groups(tx: Tx[Any], caller: Caller, group_ids: list[int]) -> list[str]:
    return push(tx, caller, tx(lambda s: affected(s, group_ids)))


def push_for_vm(tx: Tx[Any], caller: Caller, vm_id: int) -> list[str]:
    """A VM started (or its address changed): its own rules, and the rules that name it."""
    return push_targets(tx, caller, tx(lambda s: targets_for_vm(s, vm_id)))


def targets_for_vm(session: Session, vm_id: int) -> list[dict[str, Any]]:
    """``push_for_vm``'s targets, computed in ``session``."""
    return targets(session, sorted({vm_id, *affected(session, groups_of(session, [vm_id])[vm_id])}))
