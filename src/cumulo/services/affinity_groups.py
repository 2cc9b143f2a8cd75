"""Affinity groups: create, delete, and the membership check VMs will register."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.errors import InvalidParameter, ResourceInUse
from cumulo.services import events
from cumulo.services.resource_owner import Owner

# CloudStack's AffinityGroupProcessor types users may create (ExplicitDedication
# groups come from the dedicate* commands only).
TYPES = (
    "host anti-affinity",
    "host affinity",
    "non-strict host anti-affinity",
    "non-strict host affinity",
)

UsageCheck = Callable[[Session, AffinityGroup], str | None]
_usage_checks: list[UsageCheck] = []


def register_usage_check(check: UsageCheck) -> UsageCheck:
    """VMs register a function telling whether a group still has members."""
    _usage_checks.append(check)
    return check


def find(session: Session, account_id: int, name: str) -> AffinityGroup | None:
    return session.execute(
        select(AffinityGroup).where(
            AffinityGroup.account_id == account_id, AffinityGroup.name == name
        )
    ).scalar()


def create(
    session: Session, caller: Caller, owner: Owner, name: str, type_: str, description: str | None
) -> AffinityGroup:
    name = name.strip()
    if not name:
        raise InvalidParameter("Affinity group name must not be empty")
    if name.lower().startswith("dedicatedgrp"):
        raise InvalidParameter(
            "Unable to create affinity group, name can't start with DedicatedGrp (reserved for "
            "dedicated resources)"
        )
    group_type = next((t for t in TYPES if t == type_.strip().lower()), None)
    if group_type is None:
        raise InvalidParameter(
            f"Unable to create affinity group, invalid affinity group type {type_!r}; "
            f"use one of: {', '.join(TYPES)} (see listAffinityGroupTypes)"
        )
    if find(session, owner.account_id, name) is not None:
        raise InvalidParameter(
            f"Unable to create affinity group, a group with name {name} already exists."
        )
    group = AffinityGroup(
        name=name,
        type=group_type,
        description=description,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    session.add(group)
    session.flush()
    events.record(
        session,
        caller,
        "AG.CREATE",
        f"Created affinity group {name}",
        resource_type="AffinityGroup",
        resource_uuid=group.uuid,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
    )
    return group


def check_deletable(session: Session, group: AffinityGroup) -> None:
    for check in _usage_checks:
        user = check(session, group)
        if user:
            raise ResourceInUse(
                f"Affinity group {group.name} has members ({user}); remove them from the "
                "group with updateVMAffinityGroup first"
            )


def delete(session: Session, caller: Caller, group: AffinityGroup) -> None:
    check_deletable(session, group)
    session.delete(group)
    events.record(
        session,
        caller,
        "AG.DELETE",
        f"Deleted affinity group {group.name}",
        resource_type="AffinityGroup",
        resource_uuid=group.uuid,
        account_id=group.account_id,
        domain_id=group.domain_id,
        domain_path=group.domain_path,
    )
