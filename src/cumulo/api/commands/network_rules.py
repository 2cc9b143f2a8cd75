"""Firewall (ingress, egress), port forwarding and static NAT commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cumulo.api import network_jobs
from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param, ParamType
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.network_rule import firewall_view, port_forwarding_view
from cumulo.db.models.network import Network
from cumulo.db.models.network_rule import NetworkRule
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InvalidParameter, NetworkRuleConflict
from cumulo.jobs.context import JobRun
from cumulo.services import custom_ids
from cumulo.services import network_rules as rules
from cumulo.services.infra_common import must_get
from cumulo.services.network_access import check_network, check_owned

LIST_FILTERS = [
    *LIST_OWNER,
    Param("tags", MAP, description="List resources by tags (key/value pairs)"),
    Param("fordisplay", BOOLEAN, description="list resources by display flag"),
]
PORTS = [
    Param("protocol", STRING, required=True, description="the protocol: TCP, UDP, ICMP or ALL"),
    Param("startport", INTEGER, description="the starting port of the rule"),
    Param("endport", INTEGER, description="the ending port of the rule"),
    Param("icmptype", INTEGER, description="type of the ICMP message being sent"),
    Param("icmpcode", INTEGER, description="error code for this ICMP message"),
    Param("cidrlist", LIST, collection=STRING, description="source CIDRs"),
    Param("type", STRING, description="type of firewall rule: system/user"),
    Param("fordisplay", BOOLEAN, description="display the rule to the end user"),
]


def usable_ip(call: Call, ip: PublicIp) -> tuple[PublicIp, Network]:
    if ip.removed is not None:
        raise InvalidParameter(f"IP address {ip.address} is not allocated")
    check_owned(call.caller, ip.account_id, ip.domain_path, f"IP address {ip.address}")
    if ip.network_id is None:
        raise InvalidParameter(
            f"IP address {ip.address} is not associated with a network; "
            "associate it with associateIpAddress networkid=..."
        )
    return ip, must_get(call.db, Network, ip.network_id)


def _icmp(args: Args, proto: str) -> tuple[int | None, int | None]:
    if proto != "icmp":
        if args.icmptype is not None or args.icmpcode is not None:
            raise InvalidParameter("icmptype and icmpcode apply to protocol icmp only")
        return None, None
    return (-1 if args.icmptype is None else args.icmptype), (
        -1 if args.icmpcode is None else args.icmpcode
    )


def _new_rule(owner: PublicIp | Network, network: Network, **values: Any) -> NetworkRule:
    return NetworkRule(
        network_id=network.id,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        **values,
    )


def applied_rule(
    job: JobRun, p: dict[str, Any], view: Callable[[Session, NetworkRule], dict[str, Any]]
) -> ObjectResult:
    """Push the network's rule set to its router, then answer the rule as it now stands."""
    network_jobs.apply_rules(job, p["network_id"])
    return ObjectResult(job.transaction(lambda s: view(s, must_get(s, NetworkRule, p["id"]))))


@command(
    "createFirewallRule",
    params=[
        Param(
            "ipaddressid", UUID, required=True, entity="PublicIp", description="the IP address id"
        ),
        *PORTS,
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="firewallrule",
    instance_type="FirewallRule",
    response_class="FirewallResponse",
)
def create_firewall_rule(call: Call, args: Args) -> Enqueue:
    """Creates a firewall rule for a given IP address"""
    ip, network = usable_ip(call, args.ipaddressid)
    span = rules.ports(args.protocol, args.startport, args.endport)
    cidr = rules.cidrs(args.cidrlist)
    icmp_type, icmp_code = _icmp(args, span.protocol)
    rules.touch_ip(call.db, ip)
    rules.check_conflicts(call.db, ip, "Firewall", span, cidr)
    rule = _new_rule(
        ip,
        network,
        purpose="Firewall",
        ip_id=ip.id,
        protocol=span.protocol,
        start_port=span.start,
        end_port=span.end,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        cidr_list=cidr,
        for_display=args.fordisplay is not False,
    )
    rules.add(call.db, call.caller, rule, "FIREWALL.OPEN")
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@create_firewall_rule.execute
def _create_firewall_rule(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return applied_rule(job, p, firewall_view)


@command(
    "createEgressFirewallRule",
    params=[
        Param("networkid", UUID, required=True, entity="Network", description="the network id"),
        Param(
            "destcidrlist",
            LIST,
            collection=STRING,
            description="the CIDR list to forward traffic to",
        ),
        *PORTS,
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="firewallrule",
    instance_type="FirewallRule",
    response_class="FirewallResponse",
)
def create_egress_firewall_rule(call: Call, args: Args) -> Enqueue:
    """Creates a egress firewall rule for a given network"""
    network: Network = args.networkid
    check_network(call.caller, network)
    if network.guest_type != "Isolated":
        raise InvalidParameter("Egress firewall rules are for isolated networks")
    span = rules.ports(args.protocol, args.startport, args.endport)
    cidr = rules.cidrs(args.cidrlist, default=network.cidr or "0.0.0.0/0")
    icmp_type, icmp_code = _icmp(args, span.protocol)
    existing = call.db.execute(
        select(NetworkRule).where(
            NetworkRule.network_id == network.id,
            NetworkRule.traffic_type == "Egress",
            NetworkRule.state != "Revoke",
        )
    ).scalars()
    for rule in existing:
        if rule.cidr_list == cidr and rules.rule_ports(rule).overlaps(span):
            raise NetworkRuleConflict(
                f"The egress rule conflicts with rule {rule.uuid} ({rule.protocol}) of "
                f"network {network.name}"
            )
    network.version += 1  # concurrent egress rules of one network collide here
    rule = _new_rule(
        network,
        network,
        purpose="Firewall",
        traffic_type="Egress",
        protocol=span.protocol,
        start_port=span.start,
        end_port=span.end,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        cidr_list=cidr,
        dest_cidr_list=rules.cidrs(args.destcidrlist) if args.destcidrlist else None,
        for_display=args.fordisplay is not False,
    )
    rules.add(call.db, call.caller, rule, "FIREWALL.EGRESS.OPEN")
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@create_egress_firewall_rule.execute
def _create_egress(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return applied_rule(job, p, firewall_view)


def _rule(
    call: Call, row: NetworkRule | None, purpose: str, egress: bool | None = None
) -> NetworkRule:
    if row is None or row.purpose != purpose or row.state == "Revoke":
        raise InvalidParameter(f"Unable to find the {purpose} rule")
    if egress is not None and (row.traffic_type == "Egress") != egress:
        raise InvalidParameter(
            f"Rule {row.uuid} is not an {'egress' if egress else 'ingress'} rule"
        )
    check_owned(call.caller, row.account_id, row.domain_path, f"rule {row.uuid}")
    return row


def _delete(call: Call, rule: NetworkRule, event: str) -> Enqueue:
    rules.revoke(call.db, call.caller, rule, event)
    return Enqueue({"network_id": rule.network_id}, instance_uuid=rule.uuid)


def _deleted(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    network_jobs.apply_rules(job, p["network_id"])
    return SuccessResult()


def _delete_command(name: str, purpose: str, event: str, egress: bool | None):  # type: ignore[no-untyped-def]
    def handler(call: Call, args: Args) -> Enqueue:
        return _delete(call, _rule(call, args.id, purpose, egress), event)

    handler.__doc__ = f"Deletes a {purpose.lower()} rule"
    declared = command(
        name,
        params=[
            Param("id", UUID, required=True, entity="NetworkRule", description="the ID of the rule")
        ],
        roles=ALL_ROLES,
        kind=Kind.ASYNC,
        instance_type="FirewallRule",
        response_class="SuccessResponse",
    )(handler)
    declared.execute(_deleted)
    return declared


delete_firewall_rule = _delete_command("deleteFirewallRule", "Firewall", "FIREWALL.CLOSE", False)
delete_egress = _delete_command(
    "deleteEgressFirewallRule", "Firewall", "FIREWALL.EGRESS.CLOSE", True
)
delete_pf = _delete_command("deletePortForwardingRule", "PortForwarding", "NET.RULEDELETE", None)


def _display_and_id(call: Call, args: Args, rule: NetworkRule) -> None:
    """``fordisplay`` and ``customid`` of the update commands."""
    if args.fordisplay is not None:
        rule.for_display = args.fordisplay
    custom_ids.apply(call.db, call.caller, rule, args.customid)


def _list(call: Call, args: Args, purpose: str, egress: bool | None):  # type: ignore[no-untyped-def]
    scope = list_scope(call.db, call.caller, args)
    stmt = select(NetworkRule).where(
        NetworkRule.purpose == purpose,
        NetworkRule.state != "Revoke",
        scope.where(NetworkRule.account_id, NetworkRule.domain_id, NetworkRule.domain_path),
    )
    if egress is not None:
        stmt = stmt.where((NetworkRule.traffic_type == "Egress") == egress)
    if args.id is not None:
        stmt = stmt.where(NetworkRule.id == args.id.id)
    if args.get("ipaddressid") is not None:
        stmt = stmt.where(NetworkRule.ip_id == args.ipaddressid.id)
    if args.get("networkid") is not None:
        stmt = stmt.where(NetworkRule.network_id == args.networkid.id)
    if args.get("virtualmachineid") is not None:
        stmt = stmt.where(NetworkRule.vm_id == args.virtualmachineid.id)
    if args.get("fordisplay") is not None:
        stmt = stmt.where(NetworkRule.for_display.is_(args.fordisplay))
    if args.get("tags"):
        stmt = stmt.where(NetworkRule.id.is_(None))  # rules carry no tags yet
    rows, count = fetch_page(call.db, stmt.order_by(NetworkRule.id), call, args)
    return [r for (r,) in rows], count


def _list_params(with_ip: bool) -> list[Param]:
    params = [
        Param("id", UUID, entity="NetworkRule", description="Lists rule with the specified ID"),
        Param("networkid", UUID, entity="Network", description="list rules for the network"),
        *LIST_FILTERS,
    ]
    if with_ip:
        params.append(
            Param("ipaddressid", UUID, entity="PublicIp", description="the ID of IP address")
        )
    return params


@command(
    "listFirewallRules",
    params=_list_params(True),
    roles=ALL_ROLES,
    is_list=True,
    object_name="firewallrule",
    response_class="FirewallResponse",
)
def list_firewall_rules(call: Call, args: Args) -> ListResult:
    """Lists all firewall rules for an IP address."""
    rows, count = _list(call, args, "Firewall", False)
    return ListResult([firewall_view(call.db, r) for r in rows], count)


@command(
    "listEgressFirewallRules",
    params=_list_params(False),
    roles=ALL_ROLES,
    is_list=True,
    object_name="firewallrule",
    response_class="FirewallResponse",
)
def list_egress_firewall_rules(call: Call, args: Args) -> ListResult:
    """Lists all egress firewall rules for network ID."""
    rows, count = _list(call, args, "Firewall", True)
    return ListResult([firewall_view(call.db, r) for r in rows], count)


@command(
    "listPortForwardingRules",
    params=_list_params(True),
    roles=ALL_ROLES,
    is_list=True,
    object_name="portforwardingrule",
    response_class="FirewallRuleResponse",
)
def list_port_forwarding_rules(call: Call, args: Args) -> ListResult:
    """Lists all port forwarding rules for an IP address."""
    rows, count = _list(call, args, "PortForwarding", None)
    return ListResult([port_forwarding_view(call.db, r) for r in rows], count)


@command(
    "createPortForwardingRule",
    params=[
        Param(
            "ipaddressid", UUID, required=True, entity="PublicIp", description="the IP address id"
        ),
        Param("protocol", STRING, required=True, description="the protocol: TCP or UDP"),
        Param("publicport", INTEGER, required=True, description="the starting public port"),
        Param("publicendport", INTEGER, description="the ending public port"),
        Param("privateport", INTEGER, required=True, description="the starting private port"),
        Param("privateendport", INTEGER, description="the ending private port"),
        Param(
            "virtualmachineid", UUID, required=True, entity="VMInstance", description="the VM ID"
        ),
        Param("vmguestip", STRING, description="VM guest NIC secondary IP address"),
        Param("networkid", UUID, entity="Network", description="the network of the VM"),
        Param(
            "cidrlist", LIST, collection=STRING, description="the CIDR list to forward traffic from"
        ),
        Param("openfirewall", BOOLEAN, description="also open the firewall for the ports"),
        Param("fordisplay", BOOLEAN, description="display the rule to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="portforwardingrule",
    instance_type="FirewallRule",
    response_class="FirewallRuleResponse",
)
def create_port_forwarding_rule(call: Call, args: Args) -> Enqueue:
    """Creates a port forwarding rule"""
    ip, network = usable_ip(call, args.ipaddressid)
    if args.networkid is not None and args.networkid.id != network.id:
        raise InvalidParameter("networkid is not the network of the IP address")
    public = rules.ports(args.protocol, args.publicport, args.publicendport)
    if public.protocol not in ("tcp", "udp"):
        raise InvalidParameter("Port forwarding rules are for protocol tcp or udp")
    private = rules.ports(args.protocol, args.privateport, args.privateendport)
    assert public.start is not None and private.start is not None
    if (public.end or 0) - public.start != (private.end or 0) - private.start:
        raise InvalidParameter("The public and private port ranges must be of the same size")
    vm: VMInstance = args.virtualmachineid
    check_owned(call.caller, vm.account_id, vm.domain_path, f"virtual machine {vm.uuid}")
    vm_ip = rules.target(call.db, vm, network, args.vmguestip)
    rules.touch_ip(call.db, ip)
    rules.check_conflicts(call.db, ip, "PortForwarding", public, "")
    rule = _new_rule(
        ip,
        network,
        purpose="PortForwarding",
        ip_id=ip.id,
        protocol=public.protocol,
        start_port=public.start,
        end_port=public.end,
        private_start_port=private.start,
        private_end_port=private.end,
        vm_id=vm.id,
        vm_ip=vm_ip,
        cidr_list=rules.cidrs(args.cidrlist),
        for_display=args.fordisplay is not False,
    )
    rules.add(call.db, call.caller, rule, "NET.RULEADD")
    if args.openfirewall:
        opened = _new_rule(
            ip,
            network,
            purpose="Firewall",
            ip_id=ip.id,
            protocol=public.protocol,
            start_port=public.start,
            end_port=public.end,
            cidr_list=rule.cidr_list,
        )
        rules.add(call.db, call.caller, opened, "FIREWALL.OPEN")
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@create_port_forwarding_rule.execute
def _create_pf(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return applied_rule(job, p, port_forwarding_view)


@command(
    "updatePortForwardingRule",
    params=[
        Param("id", UUID, required=True, entity="NetworkRule", description="the ID of the rule"),
        Param("privateport", INTEGER, description="the private start port of the rule"),
        Param("privateendport", INTEGER, description="the private end port of the rule"),
        Param("virtualmachineid", UUID, entity="VMInstance", description="the new VM"),
        Param("vmguestip", STRING, description="VM guest NIC secondary IP address"),
        Param(
            "cidrlist", LIST, collection=STRING, description="the CIDR list to forward traffic from"
        ),
        Param("customid", STRING, description="an optional field for a custom id"),
        Param("fordisplay", BOOLEAN, description="display the rule to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="portforwardingrule",
    instance_type="FirewallRule",
    response_class="FirewallRuleResponse",
)
def update_port_forwarding_rule(call: Call, args: Args) -> Enqueue:
    """Updates a port forwarding rule. Only the private port and the VM can be updated."""
    rule = _rule(call, args.id, "PortForwarding")
    network = must_get(call.db, Network, rule.network_id)
    if args.privateport is not None:
        assert rule.start_port is not None and rule.end_port is not None
        private = rules.ports(rule.protocol, args.privateport, args.privateendport)
        assert private.start is not None and private.end is not None
        if private.end - private.start != rule.end_port - rule.start_port:
            raise InvalidParameter("The private port range must be as large as the public one")
        rule.private_start_port, rule.private_end_port = private.start, private.end
    if args.virtualmachineid is not None:
        vm: VMInstance = args.virtualmachineid
        check_owned(call.caller, vm.account_id, vm.domain_path, f"virtual machine {vm.uuid}")
        rule.vm_id = vm.id
        rule.vm_ip = rules.target(call.db, vm, network, args.vmguestip)
    if args.cidrlist is not None:
        rule.cidr_list = rules.cidrs(args.cidrlist)
    _display_and_id(call, args, rule)
    rule.state = "Add"
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@update_port_forwarding_rule.execute
def _update_pf(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return _create_pf(job, p)


@command(
    "enableStaticNat",
    params=[
        Param("ipaddressid", UUID, required=True, entity="PublicIp", description="the public IP"),
        Param("virtualmachineid", UUID, required=True, entity="VMInstance", description="the VM"),
        Param("networkid", UUID, entity="Network", description="the network of the VM"),
        Param("vmguestip", STRING, description="VM guest NIC secondary IP address"),
    ],
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def enable_static_nat(call: Call, args: Args) -> SuccessResult:
    """Enables static NAT for given IP address"""
    ip, network = usable_ip(call, args.ipaddressid)
    if args.networkid is not None and args.networkid.id != network.id:
        raise InvalidParameter("networkid is not the network of the IP address")
    if ip.is_source_nat:
        raise InvalidParameter(f"IP address {ip.address} is a source NAT IP; use another one")
    vm: VMInstance = args.virtualmachineid
    check_owned(call.caller, vm.account_id, vm.domain_path, f"virtual machine {vm.uuid}")
    vm_ip = rules.target(call.db, vm, network, args.vmguestip)
    rules.touch_ip(call.db, ip)
    if ip.is_static_nat:
        raise NetworkRuleConflict(f"IP address {ip.address} already has static NAT enabled")
    if rules.rules_on_ip(call.db, ip.id, ("PortForwarding", "LoadBalancing")):
        raise NetworkRuleConflict(
            f"IP address {ip.address} has port forwarding or load balancing rules; "
            "delete them before enabling static NAT"
        )
    # One public address per VM guest address (a secondary IP may have its own).
    other = call.db.execute(
        select(PublicIp.address).where(
            PublicIp.static_nat_vm_id == vm.id,
            PublicIp.network_id == network.id,
            PublicIp.removed.is_(None),
            func.coalesce(PublicIp.static_nat_vm_ip, "") == vm_ip,
        )
    ).first()
    if other is not None:
        raise NetworkRuleConflict(
            f"Virtual machine {vm.name} already has static NAT for {vm_ip} on {other[0]}"
        )
    ip.is_static_nat, ip.static_nat_vm_id, ip.static_nat_vm_ip = True, vm.id, vm_ip
    call.db.flush()
    # enableStaticNat is synchronous in the API: the router is programmed now,
    # and a refusal rolls the change back. The whole set is sent, so a retried
    # transaction simply sends it again.
    network_jobs.push_rules_now(call.db, network.id)
    return SuccessResult()


@command(
    "disableStaticNat",
    params=[Param("ipaddressid", UUID, required=True, entity="PublicIp", description="the IP")],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="IpAddress",
    response_class="SuccessResponse",
)
def disable_static_nat(call: Call, args: Args) -> Enqueue:
    """Disables static rule for given IP address"""
    ip, network = usable_ip(call, args.ipaddressid)
    if not ip.is_static_nat:
        raise InvalidParameter(f"IP address {ip.address} does not have static NAT enabled")
    ip.is_static_nat, ip.static_nat_vm_id, ip.static_nat_vm_ip = False, None, None
    # The IP forwarding rules of the address forwarded to that VM: they go with it.
    for forwarded in rules.rules_on_ip(call.db, ip.id, ("StaticNat",)):
        rules.revoke(call.db, call.caller, forwarded, "NET.RULEDELETE")
    rules.touch_ip(call.db, ip)
    return Enqueue({"network_id": network.id}, instance_uuid=ip.uuid)


@disable_static_nat.execute
def _disable_static_nat(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    network_jobs.apply_rules(job, p["network_id"])
    return SuccessResult()


# CloudStack parameters cumulo does not implement yet: declared so that listApis and
# clients see the whole command, and refused with 431 when a caller gives them.
list_egress_firewall_rules.not_supported(
    Param("ipaddressid", ParamType.UUID),
)
