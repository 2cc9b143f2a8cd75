"""Security group commands (§6.10)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.owner_params import LIST_OWNER
from cumulo.api.paging import fetch_page
from cumulo.api.params import INTEGER, LIST, MAP, STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import find_account, list_scope
from cumulo.api.views.network import owner_fields
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.security_group import SecurityGroup, SecurityGroupRule, SecurityGroupVm
from cumulo.errors import InvalidParameter
from cumulo.jobs.context import JobRun
from cumulo.services import custom_ids, sg_rules
from cumulo.services import security_groups as groups
from cumulo.services.infra_common import must_get
from cumulo.services.network_access import check_owned
from cumulo.services.resource_owner import Owner, resolve_owner

OWNER = [
    Param("account", STRING, description="an optional account for the security group"),
    Param("domainid", UUID, entity="Domain", description="an optional domainId"),
    Param("projectid", UUID, entity="Project", description="the project of the security group"),
]


def _rule_view(session: Session, r: SecurityGroupRule) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ruleid": r.uuid,
        "protocol": r.protocol,
        "startport": r.start_port,
        "endport": r.end_port,
        "icmptype": r.icmp_type,
        "icmpcode": r.icmp_code,
        "cidr": r.cidr,
        "tags": [],
    }
    if r.allowed_group_id is not None:
        other = session.get(SecurityGroup, r.allowed_group_id)
        if other is not None:
            account = session.get(Account, other.account_id)
            view["securitygroupname"] = other.name
            view["account"] = account.name if account else None
    return view


def group_view(session: Session, g: SecurityGroup) -> dict[str, Any]:
    rules = session.execute(
        select(SecurityGroupRule)
        .where(SecurityGroupRule.group_id == g.id)
        .order_by(SecurityGroupRule.id)
    ).scalars()
    ingress: list[dict[str, Any]] = []
    egress: list[dict[str, Any]] = []
    for rule in rules:
        (ingress if rule.type == "ingress" else egress).append(_rule_view(session, rule))
    members = session.execute(
        select(SecurityGroupVm.vm_id).where(SecurityGroupVm.group_id == g.id)
    ).all()
    return {
        "id": g.uuid,
        "name": g.name,
        "description": g.description,
        **owner_fields(session, g.account_id, g.domain_id),
        "ingressrule": ingress,
        "egressrule": egress,
        "virtualmachinecount": len(members),
        "tags": [],
    }


def _owner(call: Call, args: Args) -> Owner:
    return resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)


@command(
    "createSecurityGroup",
    params=[
        Param("name", STRING, required=True, description="name of the security group"),
        Param("description", STRING, description="the description of the security group"),
        *OWNER,
    ],
    roles=ALL_ROLES,
    object_name="securitygroup",
    response_class="SecurityGroupResponse",
)
def create_security_group(call: Call, args: Args) -> ObjectResult:
    """Creates a security group"""
    owner = _owner(call, args)
    groups.ensure_default(call.db, owner)
    group = groups.create(call.db, call.caller, owner, args.name, args.description)
    return ObjectResult(group_view(call.db, group))


def _find_group(call: Call, args: Args, id_name: str, name_name: str) -> SecurityGroup:
    group: SecurityGroup | None = args.get(id_name)
    if group is None:
        name = args.get(name_name)
        if name is None:
            raise InvalidParameter(f"Give {id_name} or {name_name}")
        owner = _owner(call, args)
        if name == groups.DEFAULT:
            groups.ensure_default(call.db, owner)
        group = groups.group_by_name(call.db, owner.account, name)
    check_owned(call.caller, group.account_id, group.domain_path, f"security group {group.name}")
    return group


@command(
    "updateSecurityGroup",
    params=[
        Param("id", UUID, required=True, entity="SecurityGroup", description="the group's ID"),
        Param("name", STRING, description="the new name of the security group"),
        Param("customid", STRING, since="4.4", description="a custom id (root admin)"),
    ],
    object_name="securitygroup",
    response_class="SecurityGroupResponse",
)
def update_security_group(call: Call, args: Args) -> ObjectResult:
    """Updates a security group"""
    group: SecurityGroup = args.id
    check_owned(call.caller, group.account_id, group.domain_path, f"security group {group.name}")
    if args.name is not None:
        groups.rename(call.db, call.caller, group, args.name)
    custom_ids.apply(call.db, call.caller, group, args.customid)
    return ObjectResult(group_view(call.db, group))


@command(
    "deleteSecurityGroup",
    params=[
        Param("id", UUID, entity="SecurityGroup", description="The ID of the security group"),
        Param("name", STRING, description="The name of the security group"),
        *OWNER,
    ],
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def delete_security_group(call: Call, args: Args) -> SuccessResult:
    """Deletes security group"""
    groups.delete(call.db, call.caller, _find_group(call, args, "id", "name"))
    return SuccessResult()


@command(
    "listSecurityGroups",
    params=[
        Param("id", UUID, entity="SecurityGroup", description="list the security group by the id"),
        Param("securitygroupname", STRING, description="lists security groups by name"),
        Param("virtualmachineid", UUID, entity="VMInstance", description="groups of this VM"),
        Param("tags", MAP, description="List resources by tags (key/value pairs)"),
        *LIST_OWNER,
    ],
    roles=ALL_ROLES,
    is_list=True,
    object_name="securitygroup",
    response_class="SecurityGroupResponse",
)
def list_security_groups(call: Call, args: Args) -> ListResult:
    """Lists security groups"""
    caller_account = call.db.get(Account, call.caller.account_id)
    caller_domain = call.db.get(Domain, call.caller.domain_id)
    assert caller_account is not None and caller_domain is not None
    groups.ensure_default(call.db, Owner(caller_account, caller_domain))
    scope = list_scope(call.db, call.caller, args)
    clause = scope.where(
        SecurityGroup.account_id, SecurityGroup.domain_id, SecurityGroup.domain_path
    )
    stmt = select(SecurityGroup).where(clause)
    if args.id is not None:
        stmt = stmt.where(SecurityGroup.id == args.id.id)
    if args.securitygroupname is not None:
        stmt = stmt.where(SecurityGroup.name == args.securitygroupname)
    if args.virtualmachineid is not None:
        members = select(SecurityGroupVm.group_id).where(
            SecurityGroupVm.vm_id == args.virtualmachineid.id
        )
        stmt = stmt.where(SecurityGroup.id.in_(members))
    if args.keyword:
        stmt = stmt.where(SecurityGroup.name.contains(args.keyword, autoescape=True))
    if args.tags:
        stmt = stmt.where(SecurityGroup.id.is_(None))  # groups carry no tags yet
    rows, count = fetch_page(call.db, stmt.order_by(SecurityGroup.id), call, args)
    return ListResult([group_view(call.db, g) for (g,) in rows], count)


def _authorize_params() -> list[Param]:
    return [
        Param("securitygroupid", UUID, entity="SecurityGroup", description="the group ID"),
        Param("securitygroupname", STRING, description="the group name"),
        Param("protocol", STRING, description="TCP is default. UDP, ICMP, ALL or a number"),
        Param("startport", INTEGER, description="start port for this rule"),
        Param("endport", INTEGER, description="end port for this rule"),
        Param("icmptype", INTEGER, description="type of the ICMP message being sent"),
        Param("icmpcode", INTEGER, description="error code for this ICMP message"),
        Param("cidrlist", LIST, collection=STRING, description="the cidr list associated"),
        Param("usersecuritygrouplist", MAP, description="user to security group mapping"),
        *OWNER,
    ]


def _user_groups(call: Call, args: Args) -> list[SecurityGroup]:
    out = []
    for entry in (args.usersecuritygrouplist or {}).values():
        account_name, group_name = entry.get("account"), entry.get("group")
        if not account_name or not group_name:
            raise InvalidParameter("usersecuritygrouplist entries need account and group")
        account = find_account(call.db, account_name, call.caller.domain_id)
        if group_name == groups.DEFAULT:
            domain = call.db.get(Domain, account.domain_id)
            assert domain is not None
            groups.ensure_default(call.db, Owner(account, domain))
        out.append(groups.group_by_name(call.db, account, group_name))
    return out


def _authorize(call: Call, args: Args, kind: str) -> Enqueue:
    group = _find_group(call, args, "securitygroupid", "securitygroupname")
    spec = groups.RuleSpec(
        kind,
        args.protocol,
        args.startport,
        args.endport,
        args.icmptype,
        args.icmpcode,
        args.cidrlist,
        _user_groups(call, args),
    )
    made = groups.authorize(call.db, call.caller, group, spec)
    return Enqueue({"group": group.id, "rules": [r.id for r in made]}, instance_uuid=group.uuid)


def _authorized(job: JobRun, p: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        view = group_view(s, must_get(s, SecurityGroup, p["group"]))
        wanted = {must_get(s, SecurityGroupRule, r).uuid for r in p["rules"]}
        for key in ("ingressrule", "egressrule"):
            view[key] = [r for r in view[key] if r["ruleid"] in wanted]
        return view

    view = job.transaction(work)
    sg_rules.push_for_groups(job.transaction, job.caller, [p["group"]])
    return ObjectResult(view)


@command(
    "authorizeSecurityGroupIngress",
    params=_authorize_params(),
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    # Pushing the whole rule set to the hosts is idempotent: an adopted job runs again.
    resumable=True,
    object_name="securitygroup",
    instance_type="SecurityGroup",
    response_class="SecurityGroupRuleResponse",
)
def authorize_security_group_ingress(call: Call, args: Args) -> Enqueue:
    """Authorizes a particular ingress rule for this security group"""
    return _authorize(call, args, "ingress")


@command(
    "authorizeSecurityGroupEgress",
    params=_authorize_params(),
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    # Pushing the whole rule set to the hosts is idempotent: an adopted job runs again.
    resumable=True,
    object_name="securitygroup",
    instance_type="SecurityGroup",
    response_class="SecurityGroupRuleResponse",
)
def authorize_security_group_egress(call: Call, args: Args) -> Enqueue:
    """Authorizes a particular egress rule for this security group"""
    return _authorize(call, args, "egress")


authorize_security_group_ingress.execute(_authorized)
authorize_security_group_egress.execute(_authorized)


def _revoke(call: Call, args: Args, kind: str) -> Enqueue:
    rule: SecurityGroupRule = args.id
    if rule.type != kind:
        raise InvalidParameter(f"Rule {rule.uuid} is not an {kind} rule")
    group = must_get(call.db, SecurityGroup, rule.group_id)
    check_owned(call.caller, group.account_id, group.domain_path, f"security group {group.name}")
    groups.revoke(call.db, call.caller, rule)
    return Enqueue({"group": group.id}, instance_uuid=group.uuid)


def _revoked(job: JobRun, p: dict[str, Any]) -> SuccessResult:
    if p.get("group") is not None:
        sg_rules.push_for_groups(job.transaction, job.caller, [p["group"]])
    return SuccessResult()


@command(
    "revokeSecurityGroupIngress",
    params=[Param("id", UUID, required=True, entity="SecurityGroupRule", description="rule ID")],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    resumable=True,
    instance_type="SecurityGroup",
    response_class="SuccessResponse",
)
def revoke_security_group_ingress(call: Call, args: Args) -> Enqueue:
    """Deletes a particular ingress rule from this security group"""
    return _revoke(call, args, "ingress")


@command(
    "revokeSecurityGroupEgress",
    params=[Param("id", UUID, required=True, entity="SecurityGroupRule", description="rule ID")],
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    resumable=True,
    instance_type="SecurityGroup",
    response_class="SuccessResponse",
)
def revoke_security_group_egress(call: Call, args: Args) -> Enqueue:
    """Deletes a particular egress rule from this security group"""
    return _revoke(call, args, "egress")


revoke_security_group_ingress.execute(_revoked)
revoke_security_group_egress.execute(_revoked)
