"""IP forwarding rules: the ports a static NAT address forwards to its VM.

CloudStack keeps them as firewall_rules of purpose StaticNat; Libcloud's
list_nodes reads them for every node, so listing them is not optional.
"""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.network_rules import (
    _delete,
    _deleted,
    _list,
    _new_rule,
    _rule,
    applied_rule,
    usable_ip,
)
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.params import BOOLEAN, INTEGER, LIST, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.network_rule import ip_forwarding_view
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InvalidParameter, NetworkRuleConflict
from cumulo.jobs.context import JobRun
from cumulo.services import network_rules as rules
from cumulo.services.infra_common import must_get

PURPOSE = "StaticNat"


@command(
    "createIpForwardingRule",
    params=[
        Param("ipaddressid", UUID, required=True, entity="PublicIp", description="the public IP"),
        Param("protocol", STRING, required=True, description="the protocol: TCP or UDP"),
        Param("startport", INTEGER, required=True, description="the start port of the rule"),
        Param("endport", INTEGER, description="the end port of the rule"),
        Param("cidrlist", LIST, collection=STRING, description="the source CIDRs"),
        Param("openfirewall", BOOLEAN, description="also open the firewall for the ports"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="ipforwardingrule",
    instance_type="FirewallRule",
    response_class="FirewallRuleResponse",
)
def create_ip_forwarding_rule(call: Call, args: Args) -> Enqueue:
    """Creates an IP forwarding rule"""
    ip, network = usable_ip(call, args.ipaddressid)
    if not ip.is_static_nat or ip.static_nat_vm_id is None:
        raise InvalidParameter(
            f"IP address {ip.address} has no static NAT; enable it with enableStaticNat first"
        )
    span = rules.ports(args.protocol, args.startport, args.endport)
    if span.protocol not in ("tcp", "udp"):
        raise InvalidParameter("IP forwarding rules are for protocol tcp or udp")
    for other in rules.rules_on_ip(call.db, ip.id, (PURPOSE,)):
        if other.protocol == span.protocol and rules.rule_ports(other).overlaps(span):
            raise NetworkRuleConflict(
                f"IP forwarding rule {other.uuid} already forwards these ports of {ip.address}"
            )
    vm = must_get(call.db, VMInstance, ip.static_nat_vm_id)
    vm_ip = rules.target(call.db, vm, network, ip.static_nat_vm_ip)
    rules.touch_ip(call.db, ip)
    values: dict[str, Any] = {
        "ip_id": ip.id,
        "protocol": span.protocol,
        "start_port": span.start,
        "end_port": span.end,
        "cidr_list": rules.cidrs(args.cidrlist),
    }
    rule = _new_rule(
        ip,
        network,
        purpose=PURPOSE,
        vm_id=vm.id,
        vm_ip=vm_ip,
        private_start_port=span.start,
        private_end_port=span.end,
        **values,
    )
    rules.add(call.db, call.caller, rule, "NET.RULEADD")
    if args.openfirewall:
        rules.add(
            call.db,
            call.caller,
            _new_rule(ip, network, purpose="Firewall", **values),
            "FIREWALL.OPEN",
        )
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@create_ip_forwarding_rule.execute
def _created(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return applied_rule(job, p, ip_forwarding_view)


@command(
    "deleteIpForwardingRule",
    params=[
        Param("id", UUID, required=True, entity="NetworkRule", description="the ID of the rule")
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="FirewallRule",
    response_class="SuccessResponse",
)
def delete_ip_forwarding_rule(call: Call, args: Args) -> Enqueue:
    """Deletes an IP forwarding rule"""
    return _delete(call, _rule(call, args.id, PURPOSE), "NET.RULEDELETE")


delete_ip_forwarding_rule.execute(_deleted)
# CloudStack declares an owner account on the delete; the rule already names its owner.
delete_ip_forwarding_rule.not_supported(Param("accountid", UUID))


@command(
    "listIpForwardingRules",
    params=[
        Param("id", UUID, entity="NetworkRule", description="Lists rule with the specified ID"),
        Param("ipaddressid", UUID, entity="PublicIp", description="the ID of IP address"),
        Param("virtualmachineid", UUID, entity="VMInstance", description="the VM of the rules"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="ipforwardingrule",
    response_class="FirewallRuleResponse",
)
def list_ip_forwarding_rules(call: Call, args: Args) -> ListResult:
    """List the IP forwarding rules"""
    found, count = _list(call, args, PURPOSE, None)
    return ListResult([ip_forwarding_view(call.db, r) for r in found], count)
