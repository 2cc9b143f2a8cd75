"""Dedicated resources in the candidate query.

A user VM's rule: with its owner's ExplicitDedication group it may land only
on hosts whose most specific dedication (host, else cluster, else pod, else
zone) is that group's; without one, on no dedicated host, cluster or pod, and
in a dedicated zone only when the zone is dedicated to its account or to a
domain containing it (as CloudStack, which then still keeps it off dedicated
pods, clusters and hosts). Everything is expressed as uncorrelated
``IN (SELECT ...)`` filters on ``dedicated_resources``, which the database
evaluates once per query, not per host; the zone is looked up once when the
rule is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, literal, not_, or_, select, true
from sqlalchemy.orm import Session

from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.dedicated_resource import DedicatedResource as D
from cumulo.db.models.host import Host
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.vm_affinity import AffinityGroupVmMap

EXPLICIT = "ExplicitDedication"


@dataclass(frozen=True)
class Rule:
    group_id: int | None  # the VM's ExplicitDedication group
    zone_open: bool  # non-explicit VMs: the zone is not dedicated to someone else
    zone_mine: bool  # explicit VMs: the whole zone is dedicated to the group


def rule_for(session: Session, vm: VMInstance) -> Rule | None:
    """The VM's rule; None (no filter at all) while nothing is dedicated anywhere."""
    if session.execute(select(D.id).limit(1)).first() is None:
        return None
    group_id = session.execute(
        select(AffinityGroup.id)
        .join(AffinityGroupVmMap, AffinityGroupVmMap.group_id == AffinityGroup.id)
        .where(AffinityGroupVmMap.instance_id == vm.id, AffinityGroup.type == EXPLICIT)
        .limit(1)
    ).scalar()
    zone = session.execute(select(D).where(D.zone_id == vm.zone_id)).scalar()
    if zone is None:
        return Rule(group_id, True, False)
    if zone.account_id is not None:
        welcome = zone.account_id == vm.account_id
    else:
        welcome = vm.domain_path.startswith(zone.domain_path)
    return Rule(group_id, welcome, zone.affinity_group_id == group_id)


def dedication_clauses(rule: Rule) -> list[ColumnElement[bool]]:
    """Filters on ``Host`` (joined with its cluster and pod) for this rule."""
    g = rule.group_id

    def held(host_col, level_col, mine: bool) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
        owner = D.affinity_group_id == g if mine else (D.affinity_group_id != g if g else true())
        return host_col.in_(select(level_col).where(level_col.is_not(None), owner))  # type: ignore[no-any-return]

    other_h = held(Host.id, D.host_id, False)
    other_c = held(Host.cluster_id, D.cluster_id, False)
    other_p = held(Host.pod_id, D.pod_id, False)
    if g is None:
        zone: list[ColumnElement[bool]] = [] if rule.zone_open else [false()]
        return [not_(other_h), not_(other_c), not_(other_p), *zone]
    mine_h = held(Host.id, D.host_id, True)
    mine_c = held(Host.cluster_id, D.cluster_id, True)
    mine_p = held(Host.pod_id, D.pod_id, True)
    out = [
        not_(other_h),
        or_(mine_h, not_(other_c)),
        or_(mine_h, mine_c, not_(other_p)),
    ]
    if not rule.zone_mine:
        out.append(or_(mine_h, mine_c, mine_p))
    return out


# -- Virtual routers ---------------------------------------------------------------
#
# A router carries no affinity group; CloudStack keeps it off every pod, cluster
# and host dedicated to someone other than its network's owner (the account, or
# a domain containing it) and fails it in a zone dedicated to someone else
# unless the owner is the root admin. cumulo also prefers the owner's own
# dedicated hosts, so an account that dedicated hosts gets its routers there
# when one has room, and on shared hosts otherwise.


@dataclass(frozen=True)
class OwnerRule:
    account_id: int
    domain_path: str
    root_admin: bool


def _mine(rule: OwnerRule) -> ColumnElement[bool]:
    """Dedications held by the owner: its account's, or a domain's that contains it."""
    return or_(
        D.account_id == rule.account_id,
        and_(D.account_id.is_(None), literal(rule.domain_path).startswith(D.domain_path)),
    )


def _held(host_col, level_col, owner: ColumnElement[bool]) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    return host_col.in_(select(level_col).where(level_col.is_not(None), owner))  # type: ignore[no-any-return]


def owner_clauses(rule: OwnerRule) -> list[ColumnElement[bool]]:
    """Filters on ``Host``: nothing dedicated to another owner (the most specific
    dedication of a host decides, as for user VMs)."""
    mine, others = _mine(rule), not_(_mine(rule))
    mine_h, mine_c = _held(Host.id, D.host_id, mine), _held(Host.cluster_id, D.cluster_id, mine)
    out = [
        not_(_held(Host.id, D.host_id, others)),
        or_(mine_h, not_(_held(Host.cluster_id, D.cluster_id, others))),
        or_(mine_h, mine_c, not_(_held(Host.pod_id, D.pod_id, others))),
    ]
    if not rule.root_admin:
        out.append(not_(_held(Host.zone_id, D.zone_id, others)))
    return out


def owner_preferred(rule: OwnerRule) -> ColumnElement[bool]:
    """The host lies in something dedicated to the owner."""
    mine = _mine(rule)
    return or_(
        _held(Host.id, D.host_id, mine),
        _held(Host.cluster_id, D.cluster_id, mine),
        _held(Host.pod_id, D.pod_id, mine),
        _held(Host.zone_id, D.zone_id, mine),
    )
