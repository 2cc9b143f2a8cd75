"""Load balancer rules of the virtual router: create, update, delete, members, list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.api import network_jobs
from cumulo.api.arguments import Args
from cumulo.api.commands.network_rules import LIST_FILTERS, applied_rule, usable_ip
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import BOOLEAN, INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.views.network_rule import load_balancer_view
from cumulo.api.views.vm import vm_items
from cumulo.db.models.network import Network
from cumulo.db.models.network_rule import LbVmMap, NetworkRule
from cumulo.db.models.nic import Nic
from cumulo.db.models.public_ip import PublicIp
from cumulo.db.models.vm import VMInstance, VmType
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import network_rules as rules
from cumulo.services.infra_common import must_get
from cumulo.services.network_access import check_owned


def _lb(call: Call, row: NetworkRule | None) -> NetworkRule:
    if row is None or row.purpose != "LoadBalancing" or row.state == "Revoke":
        raise InvalidParameter("Unable to find the load balancer rule")
    check_owned(call.caller, row.account_id, row.domain_path, f"load balancer rule {row.uuid}")
    return row


def _algorithm(value: str | None) -> str:
    algorithm = (value or "roundrobin").lower()
    if algorithm not in rules.LB_ALGORITHMS:
        raise InvalidParameter(f"Invalid algorithm {value}; use roundrobin, leastconn or source")
    return algorithm


@command(
    "createLoadBalancerRule",
    params=[
        Param("name", STRING, required=True, description="name of the load balancer rule"),
        Param("algorithm", STRING, required=True, description="roundrobin, leastconn or source"),
        Param("privateport", INTEGER, required=True, description="the private port"),
        Param("publicport", INTEGER, required=True, description="the public port"),
        Param("publicipid", UUID, entity="PublicIp", description="public IP address id"),
        Param("networkid", UUID, entity="Network", description="the network of the rule"),
        Param("zoneid", UUID, description="zone where the load balancer is going to be created"),
        Param(
            "description",
            STRING,
            length=4096,
            description="the description of the load balancer rule",
        ),
        Param("protocol", STRING, description="tcp, udp or tcp-proxy"),
        Param("cidrlist", LIST, collection=STRING, description="the source CIDR list allowed"),
        Param("openfirewall", BOOLEAN, description="also open the firewall for the port"),
        Param("account", STRING, description="the account associated with the rule"),
        Param("domainid", UUID, entity="Domain", description="the domain of the rule"),
        Param("fordisplay", BOOLEAN, description="display the rule to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="loadbalancer",
    instance_type="LoadBalancerRule",
    response_class="LoadBalancerResponse",
)
def create_load_balancer_rule(call: Call, args: Args) -> Enqueue:
    """Creates a load balancer rule"""
    if args.publicipid is None:
        raise InvalidParameter("Give publicipid: the public IP address of the rule")
    ip, network = usable_ip(call, args.publicipid)
    if args.networkid is not None and args.networkid.id != network.id:
        raise InvalidParameter("networkid is not the network of the IP address")
    protocol = (args.protocol or "tcp").lower()
    if protocol not in ("tcp", "udp", "tcp-proxy"):
        raise InvalidParameter("Load balancer protocol must be tcp, udp or tcp-proxy")
    proto = "tcp" if protocol == "tcp-proxy" else protocol
    public = rules.ports(proto, args.publicport, None)
    private = rules.ports(proto, args.privateport, None)
    rules.touch_ip(call.db, ip)
    rules.check_conflicts(call.db, ip, "LoadBalancing", public, "")
    rule = NetworkRule(
        purpose="LoadBalancing",
        network_id=network.id,
        ip_id=ip.id,
        protocol=proto,
        start_port=public.start,
        end_port=public.end,
        private_start_port=private.start,
        private_end_port=private.end,
        name=args.name,
        description=args.description,
        algorithm=_algorithm(args.algorithm),
        cidr_list=rules.cidrs(args.cidrlist),
        account_id=ip.account_id,
        domain_id=ip.domain_id,
        domain_path=ip.domain_path,
    )
    rules.add(call.db, call.caller, rule, "LB.CREATE")
    return Enqueue({"id": rule.id, "network_id": network.id}, instance_uuid=rule.uuid)


@create_load_balancer_rule.execute
def _create_lb(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return applied_rule(job, p, load_balancer_view)


@command(
    "updateLoadBalancerRule",
    params=[
        Param("id", UUID, required=True, entity="NetworkRule", description="the ID of the rule"),
        Param("name", STRING, description="the name of the load balancer rule"),
        Param(
            "description",
            STRING,
            length=4096,
            description="the description of the load balancer rule",
        ),
        Param("algorithm", STRING, description="load balancer algorithm"),
        Param("protocol", STRING, description="the protocol: tcp, udp or tcp-proxy"),
        Param("cidrlist", LIST, collection=STRING, description="the source CIDR list allowed"),
        Param("customid", STRING, description="an optional field for a custom id"),
        Param("fordisplay", BOOLEAN, description="display the rule to the end user"),
    ],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="loadbalancer",
    instance_type="LoadBalancerRule",
    response_class="LoadBalancerResponse",
)
def update_load_balancer_rule(call: Call, args: Args) -> Enqueue:
    """Updates load balancer"""
    rule = _lb(call, args.id)
    if args.name is not None:
        rule.name = args.name
    if args.description is not None:
        rule.description = args.description
    if args.algorithm is not None:
        rule.algorithm = _algorithm(args.algorithm)
    if args.cidrlist is not None:
        rule.cidr_list = rules.cidrs(args.cidrlist)
    rule.state = "Add"
    return Enqueue({"id": rule.id, "network_id": rule.network_id}, instance_uuid=rule.uuid)


@update_load_balancer_rule.execute
def _update_lb(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    return _create_lb(job, p)


@command(
    "deleteLoadBalancerRule",
    params=[Param("id", UUID, required=True, entity="NetworkRule", description="the rule ID")],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="LoadBalancerRule",
    response_class="SuccessResponse",
)
def delete_load_balancer_rule(call: Call, args: Args) -> Enqueue:
    """Deletes a load balancer rule."""
    rule = _lb(call, args.id)
    rules.revoke(call.db, call.caller, rule, "LB.DELETE")
    return Enqueue({"network_id": rule.network_id}, instance_uuid=rule.uuid)


@delete_load_balancer_rule.execute
def _delete_lb(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    network_jobs.apply_rules(job, p["network_id"])
    return SuccessResult()


MEMBERS = [
    Param("id", UUID, required=True, entity="NetworkRule", description="the rule ID"),
    Param(
        "virtualmachineids",
        LIST,
        collection=UUID,
        description="the list of IDs of the virtual machines",
    ),
    Param("vmidipmap", MAP, description="VM ID and IP map"),
]


def _vms(call: Call, args: Args, rule: NetworkRule) -> list[tuple[VMInstance, str | None]]:
    wanted: list[tuple[str, str | None]] = [(v, None) for v in args.virtualmachineids or []]
    for entry in (args.vmidipmap or {}).values():
        wanted.append((entry.get("vmid", ""), entry.get("vmip")))
    if not wanted:
        raise InvalidParameter("Give virtualmachineids or vmidipmap")
    network = must_get(call.db, Network, rule.network_id)
    out = []
    for vm_id, vm_ip in wanted:
        vm = call.db.execute(
            select(VMInstance).where(VMInstance.uuid == vm_id)
        ).scalar_one_or_none()
        if vm is None:
            raise InvalidParameter(f"Unable to find virtual machine {vm_id}")
        check_owned(call.caller, vm.account_id, vm.domain_path, f"virtual machine {vm.uuid}")
        out.append((vm, rules.target(call.db, vm, network, vm_ip)))
    return out


@command(
    "assignToLoadBalancerRule",
    params=MEMBERS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="LoadBalancerRule",
    response_class="SuccessResponse",
)
def assign_to_load_balancer_rule(call: Call, args: Args) -> Enqueue:
    """Assigns virtual machine or a list of virtual machines to a load balancer rule."""
    rule = _lb(call, args.id)
    for vm, address in _vms(call, args, rule):
        taken = call.db.execute(
            select(LbVmMap.id).where(LbVmMap.rule_id == rule.id, LbVmMap.vm_id == vm.id)
        ).first()
        if taken:
            raise InvalidParameter(f"Virtual machine {vm.name} is already on the rule")
        call.db.add(LbVmMap(rule_id=rule.id, vm_id=vm.id, vm_ip=address))
    call.db.flush()
    return Enqueue({"network_id": rule.network_id}, instance_uuid=rule.uuid)


@command(
    "removeFromLoadBalancerRule",
    params=MEMBERS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    instance_type="LoadBalancerRule",
    response_class="SuccessResponse",
)
def remove_from_load_balancer_rule(call: Call, args: Args) -> Enqueue:
    """Removes a virtual machine or a list of virtual machines from a load balancer rule."""
    rule = _lb(call, args.id)
    for vm, _address in _vms(call, args, rule):
        member = call.db.execute(
            select(LbVmMap).where(LbVmMap.rule_id == rule.id, LbVmMap.vm_id == vm.id)
        ).scalar_one_or_none()
        if member is None:
            raise InvalidParameter(f"Virtual machine {vm.name} is not on the rule")
        member.state = "Revoke"
    return Enqueue({"network_id": rule.network_id}, instance_uuid=rule.uuid)


assign_to_load_balancer_rule.execute(_delete_lb)
remove_from_load_balancer_rule.execute(_delete_lb)


@command(
    "listLoadBalancerRules",
    params=[
        Param("id", UUID, entity="NetworkRule", description="the ID of the rule"),
        Param("name", STRING, description="the name of the load balancer rule"),
        Param("publicipid", UUID, entity="PublicIp", description="the public IP address ID"),
        Param("networkid", UUID, entity="Network", description="list by network ID"),
        Param("virtualmachineid", UUID, entity="VMInstance", description="rules of this VM"),
        Param("zoneid", UUID, entity="Zone", description="the availability zone ID"),
        *LIST_FILTERS,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="loadbalancerrule",
    response_class="LoadBalancerResponse",
)
def list_load_balancer_rules(call: Call, args: Args) -> ListResult:
    """Lists load balancer rules."""
    scope = list_scope(call.db, call.caller, args)
    stmt = select(NetworkRule).where(
        NetworkRule.purpose == "LoadBalancing",
        NetworkRule.state != "Revoke",
        scope.where(NetworkRule.account_id, NetworkRule.domain_id, NetworkRule.domain_path),
    )
    filters = {
        "id": lambda v: NetworkRule.id == v.id,
        "name": lambda v: NetworkRule.name == v,
        "publicipid": lambda v: NetworkRule.ip_id == v.id,
        "networkid": lambda v: NetworkRule.network_id == v.id,
        "virtualmachineid": lambda v: NetworkRule.id.in_(
            select(LbVmMap.rule_id).where(LbVmMap.vm_id == v.id)
        ),
        "zoneid": lambda v: NetworkRule.ip_id.in_(
            select(PublicIp.id).where(PublicIp.zone_id == v.id)
        ),
    }
    for name, clause in filters.items():
        value = args.get(name)
        if value is not None:
            stmt = stmt.where(clause(value))
    if args.keyword:
        stmt = stmt.where(NetworkRule.name.contains(args.keyword, autoescape=True))
    if args.tags:
        stmt = stmt.where(NetworkRule.id.is_(None))  # rules carry no tags yet
    rows, count = fetch_page(call.db, stmt.order_by(NetworkRule.id), call, args)
    return ListResult([load_balancer_view(call.db, r) for (r,) in rows], count)


@command(
    "listLoadBalancerRuleInstances",
    params=[
        Param("id", UUID, required=True, entity="NetworkRule", description="the rule ID"),
        Param("applied", BOOLEAN, description="true lists applied members, false the others"),
        Param("lbvmips", BOOLEAN, description="list VM and its IPs"),
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="lbrulevmidip",
    response_class="LoadBalancerRuleVmMapResponse",
)
def list_load_balancer_rule_instances(call: Call, args: Args) -> ListResult:
    """List all virtual machine instances that are assigned to a load balancer rule."""
    rule = _lb(call, args.id)
    if args.applied is False:
        return _eligible_vms(call, args, rule)
    stmt = (
        select(LbVmMap, VMInstance)
        .join(VMInstance, VMInstance.id == LbVmMap.vm_id)
        .where(LbVmMap.rule_id == rule.id, LbVmMap.state != "Revoke")
    )
    rows, count = fetch_page(call.db, stmt.order_by(LbVmMap.id), call, args)
    if not args.lbvmips:
        # Without lbvmips CloudStack answers plain VM responses under this name.
        vms = vm_items(call.db, [vm for _member, vm in rows], call.caller)
        return ListResult(vms, count, object_name="loadbalancerruleinstance")
    items = [
        {
            "loadbalancerruleinstance": {
                "id": vm.uuid,
                "name": vm.name,
                "displayname": vm.display_name or vm.name,
                "state": vm.state,
            },
            "lbvmipaddresses": [member.vm_ip] if member.vm_ip else [],
        }
        for member, vm in rows
    ]
    return ListResult(items, count)


def _eligible_vms(call: Call, args: Args, rule: NetworkRule) -> ListResult:
    """applied=false: the rule owner's VMs in the rule's network that are not on it yet."""
    members = select(LbVmMap.vm_id).where(LbVmMap.rule_id == rule.id, LbVmMap.state != "Revoke")
    in_network = select(Nic.instance_id).where(
        Nic.network_id == rule.network_id, Nic.removed.is_(None)
    )
    stmt = select(VMInstance).where(
        VMInstance.id.in_(in_network),
        VMInstance.id.not_in(members),
        VMInstance.vm_type == VmType.USER,
        VMInstance.account_id == rule.account_id,
        VMInstance.state.in_(("Running", "Stopped", "Starting", "Stopping")),
        VMInstance.removed.is_(None),
    )
    rows, count = fetch_page(call.db, stmt.order_by(VMInstance.id), call, args)
    vms = vm_items(call.db, [vm for (vm,) in rows], call.caller)
    return ListResult(vms, count, object_name="loadbalancerruleinstance")
