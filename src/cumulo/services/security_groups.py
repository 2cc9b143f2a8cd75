"""Security groups: create, delete, the per-account ``default`` group, rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account
from cumulo.db.models.security_group import SecurityGroup, SecurityGroupRule, SecurityGroupVm
from cumulo.errors import InvalidParameter, NetworkRuleConflict, ResourceInUse
from cumulo.services import events
from cumulo.services.network_rules import cidrs, ports
from cumulo.services.resource_owner import Owner

DEFAULT = "default"


def ensure_default(session: Session, owner: Owner) -> SecurityGroup:
    """The account's ``default`` group, made on first need; concurrent makers agree."""
    found = session.execute(
        select(SecurityGroup).where(
            SecurityGroup.account_id == owner.account_id, SecurityGroup.name == DEFAULT
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    group = SecurityGroup(
        name=DEFAULT,
        description="Default Security Group",
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    try:
        with session.begin_nested():
            session.add(group)
            session.flush()
    except IntegrityError:
        return ensure_default(session, owner)
    return group


def create(
    session: Session, caller: Caller, owner: Owner, name: str, description: str | None
) -> SecurityGroup:
    if name.strip().lower() == DEFAULT:
        raise InvalidParameter("The name 'default' is reserved for the account's default group")
    group = SecurityGroup(
        name=name,
        description=description,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    try:
        with session.begin_nested():
            session.add(group)
            session.flush()
    except IntegrityError:
        raise InvalidParameter(
            f"A security group named {name} already exists for account {owner.account.name}"
        ) from None
    events.record(
        session,
        caller,
        "SG.CREATE",
        f"Security group {name} created",
        resource_type="SecurityGroup",
        resource_uuid=group.uuid,
    )
    return group


def rename(session: Session, caller: Caller, group: SecurityGroup, name: str) -> None:
    """updateSecurityGroup: a new name; "default" is neither taken nor given up."""
    if not name.strip():
        raise InvalidParameter("Security group name cannot be empty")
    if name == group.name:
        return
    if name.strip().lower() == DEFAULT:
        raise InvalidParameter(f"The security group name {DEFAULT} is reserved")
    if group.name.lower() == DEFAULT:
        raise InvalidParameter("The default security group cannot be renamed")
    old = group.name
    try:
        with session.begin_nested():
            group.name = name
            session.flush()
    except IntegrityError:
        raise InvalidParameter(
            f"A security group named {name} already exists for the group's account; "
            "choose another name"
        ) from None
    events.record(
        session,
        caller,
        "SG.UPDATE",
        f"Security group {old} renamed to {name}",
        resource_type="SecurityGroup",
        resource_uuid=group.uuid,
    )


def delete(session: Session, caller: Caller, group: SecurityGroup) -> None:
    if group.name == DEFAULT:
        raise ResourceInUse("The default security group cannot be deleted")
    members = session.execute(
        select(SecurityGroupVm.id).where(SecurityGroupVm.group_id == group.id)
    ).first()
    if members:
        raise ResourceInUse(
            f"Security group {group.name} is in use by virtual machines; remove them first"
        )
    referenced = session.execute(
        select(SecurityGroupRule.id).where(
            SecurityGroupRule.allowed_group_id == group.id,
            SecurityGroupRule.group_id != group.id,
        )
    ).first()
    if referenced:
        raise ResourceInUse(
            f"Security group {group.name} is referenced by rules of other groups; revoke them"
        )
    session.execute(sql_delete(SecurityGroupRule).where(SecurityGroupRule.group_id == group.id))
    session.delete(group)
    events.record(
        session,
        caller,
        "SG.DELETE",
        f"Security group {group.name} deleted",
        resource_type="SecurityGroup",
        resource_uuid=group.uuid,
    )


@dataclass(frozen=True)
class RuleSpec:
    kind: str  # ingress | egress
    protocol: str | None
    start: int | None
    end: int | None
    icmp_type: int | None
    icmp_code: int | None
    cidrs: list[str] | None
    groups: list[SecurityGroup]


def _same(rule: SecurityGroupRule, new: SecurityGroupRule) -> bool:
    keys = ("type", "protocol", "start_port", "end_port", "icmp_type", "icmp_code", "cidr")
    return all(getattr(rule, k) == getattr(new, k) for k in keys) and (
        rule.allowed_group_id == new.allowed_group_id
    )


def authorize(
    session: Session, caller: Caller, group: SecurityGroup, spec: RuleSpec
) -> list[SecurityGroupRule]:
    span = ports(spec.protocol, spec.start, spec.end)
    if span.protocol not in ("icmp", "all") and span.start is None:
        raise InvalidParameter(f"startport is required for protocol {span.protocol}")
    icmp_type = icmp_code = None
    if span.protocol == "icmp":
        icmp_type = -1 if spec.icmp_type is None else spec.icmp_type
        icmp_code = -1 if spec.icmp_code is None else spec.icmp_code
    elif spec.icmp_type is not None or spec.icmp_code is not None:
        raise InvalidParameter("icmptype and icmpcode apply to protocol icmp only")
    if not spec.cidrs and not spec.groups:
        raise InvalidParameter("Give cidrlist or usersecuritygrouplist for the rule")
    sources: list[tuple[str | None, int | None]] = [
        (c, None) for c in (cidrs(spec.cidrs).split(",") if spec.cidrs else [])
    ]
    sources += [(None, g.id) for g in spec.groups]
    existing = list(
        session.execute(
            select(SecurityGroupRule).where(SecurityGroupRule.group_id == group.id)
        ).scalars()
    )
    made: list[SecurityGroupRule] = []
    for cidr, allowed in sources:
        rule = SecurityGroupRule(
            group_id=group.id,
            type=spec.kind,
            protocol=span.protocol,
            start_port=span.start,
            end_port=span.end,
            icmp_type=icmp_type,
            icmp_code=icmp_code,
            cidr=cidr,
            allowed_group_id=allowed,
        )
        if any(_same(old, rule) for old in existing + made):
            raise NetworkRuleConflict(
                f"Security group {group.name} already has this {spec.kind} rule"
            )
        session.add(rule)
        made.append(rule)
    session.flush()
    event = "SG.AUTH.INGRESS" if spec.kind == "ingress" else "SG.AUTH.EGRESS"
    events.record(
        session,
        caller,
        event,
        f"{len(made)} {spec.kind} rule(s) added to security group {group.name}",
        resource_type="SecurityGroup",
        resource_uuid=group.uuid,
    )
    return made


def revoke(session: Session, caller: Caller, rule: SecurityGroupRule) -> None:
    group = session.get(SecurityGroup, rule.group_id)
    session.delete(rule)
    events.record(
        session,
        caller,
        "SG.REVOKE.INGRESS" if rule.type == "ingress" else "SG.REVOKE.EGRESS",
        f"Rule {rule.uuid} revoked",
        resource_type="SecurityGroup",
        resource_uuid=group.uuid if group else None,
    )


def group_by_name(session: Session, account: Account, name: str) -> SecurityGroup:
    found = session.execute(
        select(SecurityGroup).where(
            SecurityGroup.account_id == account.id, SecurityGroup.name == name
        )
    ).scalar_one_or_none()
    if found is None:
        raise InvalidParameter(f"Unable to find security group {name} of account {account.name}")
    return found


def for_deploy(
    session: Session,
    owner: Owner,
    zone_sg_enabled: bool,
    by_id: list[SecurityGroup],
    names: list[str],
) -> list[SecurityGroup]:
    """The groups a new VM joins: the ones asked for, else the owner's ``default``."""
    if by_id and names:
        raise InvalidParameter(
            "securitygroupids parameter is mutually exclusive with securitygroupnames parameter"
        )
    if not zone_sg_enabled:
        if by_id or names:
            raise InvalidParameter(
                "Security groups are not enabled for this zone; deploy without "
                "securitygroupids/securitygroupnames"
            )
        return []
    groups = list(by_id)
    for name in names:
        if name == DEFAULT:
            ensure_default(session, owner)
        groups.append(group_by_name(session, owner.account, name))
    for group in groups:
        if group.account_id != owner.account_id:
            raise InvalidParameter(
                f"Security group {group.name} belongs to another account than the VM's owner"
            )
    if not groups:
        groups.append(ensure_default(session, owner))
    return list({g.id: g for g in groups}.values())
