"""Resource limits and counts: CloudStack's resource types, defaults, and the
race-safe check-and-increment that allocations call.

A count is kept per account and per domain; allocating for an account bumps
the account's count and that of every domain up to ROOT, each with a
conditional ``UPDATE … WHERE count + n <= limit`` in the caller's transaction.
When any of them matches no row the limit is exceeded: the caller's
transaction rolls back, taking the earlier increments with it. No lock is held
beyond the transaction, so this stays correct on Galera (a conflicting
concurrent increment fails certification and the transaction is retried).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cumulo.db.id_lists import id_chunks, id_params
from cumulo.db.models.account import Account, AccountType
from cumulo.db.models.domain import Domain
from cumulo.db.models.resource_limit import ResourceCount, ResourceLimit
from cumulo.errors import InvalidParameter, ResourceLimitExceeded
from cumulo.services.configuration import ConfigStore

GIB = 1024**3
UNLIMITED = -1
ACCOUNT, DOMAIN = "account", "domain"


@dataclass(frozen=True)
class ResourceKind:
    number: int
    name: str  # resourcetypename on the wire
    field: str  # prefix of AccountResponse's <field>limit/total/available
    setting: str  # suffix of the max.account.* / max.domain.* / max.project.* settings
    in_bytes: bool = False  # counted in bytes, limited in GiB


KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(0, "user_vm", "vm", "user.vms"),
    ResourceKind(1, "public_ip", "ip", "public.ips"),
    ResourceKind(2, "volume", "volume", "volumes"),
    ResourceKind(3, "snapshot", "snapshot", "snapshots"),
    ResourceKind(4, "template", "template", "templates"),
    ResourceKind(5, "project", "project", "projects"),
    ResourceKind(6, "network", "network", "networks"),
    ResourceKind(7, "vpc", "vpc", "vpcs"),
    ResourceKind(8, "cpu", "cpu", "cpus"),
    ResourceKind(9, "memory", "memory", "memory"),
    ResourceKind(10, "primary_storage", "primarystorage", "primary.storage", in_bytes=True),
    ResourceKind(11, "secondary_storage", "secondarystorage", "secondary.storage", in_bytes=True),
)
BY_NUMBER = {k.number: k for k in KINDS}
BY_NAME = {k.name: k for k in KINDS}
_ZEROS = dict.fromkeys(BY_NUMBER, 0)


class ResourceType:
    """Names for the numbers, for callers of ``consume`` / ``release``."""

    USER_VM, PUBLIC_IP, VOLUME, SNAPSHOT, TEMPLATE, PROJECT = 0, 1, 2, 3, 4, 5
    NETWORK, VPC, CPU, MEMORY, PRIMARY_STORAGE, SECONDARY_STORAGE = 6, 7, 8, 9, 10, 11


# Per resource type, a function giving the real usage of some accounts, used by
# updateResourceCount. Areas owning a resource register theirs here.
Counter = Callable[[Session, list[int]], dict[int, int]]
COUNTERS: dict[int, Counter] = {}


def kind(number: int) -> ResourceKind:
    found = BY_NUMBER.get(number)
    if found is None:
        raise InvalidParameter(
            f"Invalid resource type {number}; valid types are "
            + ", ".join(f"{k.number} ({k.name})" for k in KINDS)
        )
    return found


def kind_by_name(name: str) -> ResourceKind:
    found = BY_NAME.get(name.strip().lower())
    if found is None:
        raise InvalidParameter(
            f"Invalid resource type name {name}; valid names are {', '.join(BY_NAME)}"
        )
    return found


def is_exempt(account: Account) -> bool:
    """Root admin accounts are never limited (CloudStack skips the check for them)."""
    return account.type == AccountType.ADMIN and account.domain_id == Domain.ROOT_ID


def _explicit(session: Session, owner_type: str, owner_id: int) -> dict[int, int]:
    rows = session.execute(
        select(ResourceLimit.resource_type, ResourceLimit.max).where(
            ResourceLimit.owner_type == owner_type, ResourceLimit.owner_id == owner_id
        )
    )
    return {t: m for t, m in rows}


def explicit_many(
    session: Session, owner_type: str, owner_ids: list[int]
) -> dict[int, dict[int, int]]:
    """Explicit limits of many owners in one query (list views of a whole page)."""
    out: dict[int, dict[int, int]] = {i: {} for i in owner_ids}
    if owner_ids:
        rows = session.execute(
            select(ResourceLimit.owner_id, ResourceLimit.resource_type, ResourceLimit.max).where(
                ResourceLimit.owner_type == owner_type, ResourceLimit.owner_id.in_(owner_ids)
            )
        )
        for owner, t, m in rows:
            out[owner][t] = m
    return out


def account_limits(
    session: Session, config: ConfigStore, account: Account, explicit: dict[int, int] | None = None
) -> dict[int, int]:
    """Effective limit of every type for an account, in API units (-1 unlimited)."""
    if explicit is None:
        explicit = _explicit(session, ACCOUNT, account.id)
    prefix = "max.project." if account.type == AccountType.PROJECT else "max.account."
    out: dict[int, int] = {}
    for k in KINDS:
        if k.number in explicit:
            out[k.number] = explicit[k.number]
        elif is_exempt(account) or (k.number == ResourceType.PROJECT and prefix == "max.project."):
            out[k.number] = UNLIMITED
        else:
            out[k.number] = config.get_int(prefix + k.setting)
    return out


def domain_limits(
    session: Session, config: ConfigStore, domain: Domain, explicit: dict[int, int] | None = None
) -> dict[int, int]:
    if explicit is None:
        explicit = _explicit(session, DOMAIN, domain.id)
    return {**_domain_defaults(config, domain.id), **explicit}


def _domain_defaults(config: ConfigStore, domain_id: int) -> dict[int, int]:
    if domain_id == Domain.ROOT_ID:
        return dict.fromkeys(BY_NUMBER, UNLIMITED)
    return {k.number: config.get_int("max.domain." + k.setting) for k in KINDS}


@lru_cache(maxsize=64)
def _page_limits_statement(n: int) -> CompoundSelect:  # type: ignore[type-arg]  # 2.0 vs 2.1
    """Explicit limits (0) and counts (1) of ``n`` owners ``:id0`` … ``:id<n-1>``."""
    rl, rc = ResourceLimit.__table__, ResourceCount.__table__
    owner_type: BindParameter[str] = bindparam("owner_type")
    ids = id_params(n)
    return union_all(
        select(literal(0), rl.c.owner_id, rl.c.resource_type, rl.c.max).where(
            rl.c.owner_type == owner_type, rl.c.owner_id.in_(ids)
        ),
        select(literal(1), rc.c.owner_id, rc.c.resource_type, rc.c["count"]).where(
            rc.c.owner_type == owner_type, rc.c.owner_id.in_(ids)
        ),
    )


def page_limits(
    session: Session, owner_type: str, owner_ids: list[int]
) -> dict[int, tuple[dict[int, int], dict[int, int]]]:
    """(explicit limits, counts with zeros) of a page of owners, with one query."""
    out: dict[int, tuple[dict[int, int], dict[int, int]]] = {
        i: ({}, dict(_ZEROS)) for i in owner_ids
    }
    conn = session.connection()  # a plain SELECT: without the ORM's execute layer
    for n, values in id_chunks(owner_ids):
        values["owner_type"] = owner_type
        for is_count, owner, rtype, value in conn.execute(_page_limits_statement(n), values):
            if rtype in BY_NUMBER:
                out[owner][is_count][rtype] = value
    return out


def domain_limits_many(
    session: Session, config: ConfigStore, domain_ids: list[int]
) -> dict[int, tuple[dict[int, int], dict[int, int]]]:
    """(effective limits, counts) of a page of domains, with one query."""
    if not domain_ids:
        return {}
    defaults = _domain_defaults(config, 0)  # read the settings once per page
    out = {}
    for i, (explicit, counted) in page_limits(session, DOMAIN, domain_ids).items():
        base = defaults if i != Domain.ROOT_ID else _domain_defaults(config, i)
        out[i] = ({**base, **explicit}, counted)
    return out


def counts(session: Session, owner_type: str, owner_id: int) -> dict[int, int]:
    rows = session.execute(
        select(ResourceCount.resource_type, ResourceCount.count).where(
            ResourceCount.owner_type == owner_type, ResourceCount.owner_id == owner_id
        )
    )
    found = {t: c for t, c in rows}
    return {k.number: found.get(k.number, 0) for k in KINDS}


def domain_chain(session: Session, domain_id: int) -> list[Domain]:
    """The domain and its ancestors, nearest first."""
    domain = session.get(Domain, domain_id)
    assert domain is not None
    prefixes = ["/"]
    parts = [p for p in domain.path.split("/") if p]
    for i in range(len(parts)):
        prefixes.append("/" + "/".join(parts[: i + 1]) + "/")
    rows = session.execute(
        select(Domain).where(Domain.path.in_(prefixes), Domain.removed.is_(None))
    ).scalars()
    return sorted(rows, key=lambda d: -d.level)


def _ensure_count_row(session: Session, owner_type: str, owner_id: int, rtype: int) -> None:
    exists = session.execute(
        select(ResourceCount.id).where(
            ResourceCount.owner_type == owner_type,
            ResourceCount.owner_id == owner_id,
            ResourceCount.resource_type == rtype,
        )
    ).first()
    if exists:
        return
    try:
        with session.begin_nested():
            session.add(
                ResourceCount(owner_type=owner_type, owner_id=owner_id, resource_type=rtype)
            )
    except IntegrityError:
        pass  # a concurrent transaction created it first: fine


def _in_count_units(k: ResourceKind, limit: int) -> int:
    return limit * GIB if k.in_bytes and limit >= 0 else limit


Owner = tuple[str, int]  # (ACCOUNT or DOMAIN, id)
_COUNTS = cast(Table, ResourceCount.__table__)


def _stored_counts(
    session: Session, owners: list[Owner], types: list[int]
) -> dict[tuple[str, int, int], int]:
    """The count rows of these owners and types, in one query: {(type, id, rtype): count}."""
    rc = _COUNTS
    domains = [i for t, i in owners if t == DOMAIN]
    accounts = [i for t, i in owners if t == ACCOUNT]
    rows = session.execute(
        select(rc.c.owner_type, rc.c.owner_id, rc.c.resource_type, rc.c["count"]).where(
            or_(
                and_(rc.c.owner_type == ACCOUNT, rc.c.owner_id.in_(accounts)),
                and_(rc.c.owner_type == DOMAIN, rc.c.owner_id.in_(domains)),
            ),
            rc.c.resource_type.in_(types),
        )
    )
    return {(o, i, t): int(c) for o, i, t, c in rows}


def _add_count_rows(session: Session, missing: list[tuple[str, int, int]]) -> None:
    """Create absent count rows (at 0); a concurrent creator winning is fine."""
    if not missing:
        return
    try:
        with session.begin_nested():
            session.add_all(
                ResourceCount(owner_type=o, owner_id=i, resource_type=t) for o, i, t in missing
            )
    except IntegrityError:
        for o, i, t in missing:
            _ensure_count_row(session, o, i, t)


def _caps(
    session: Session, config: ConfigStore, account: Account, chain: list[Domain]
) -> dict[Owner, dict[int, int]]:
    """Each owner's effective limits in API units (-1 unlimited)."""
    if is_exempt(account):
        unlimited = dict.fromkeys(BY_NUMBER, UNLIMITED)
        return {(ACCOUNT, account.id): unlimited, **{(DOMAIN, d.id): unlimited for d in chain}}
    explicit = explicit_many(session, DOMAIN, [d.id for d in chain])
    return {
        (ACCOUNT, account.id): account_limits(session, config, account),
        **{(DOMAIN, d.id): domain_limits(session, config, d, explicit[d.id]) for d in chain},
    }


def consume_many(
    session: Session, config: ConfigStore, account_id: int, amounts: dict[int, int]
) -> None:
    """``consume`` for several types at once: one read, one UPDATE per owner.

    ``amounts`` maps resource type to amount (count units), checked in this
    order, each for the account and then its domains nearest first, as that
    many ``consume`` calls would be. Every UPDATE is still conditional on its
    limit, so a concurrent allocation cannot slip past one.
    """
    wanted = {kind(t).number: n for t, n in amounts.items() if n > 0}
    if not wanted:
        return
    account = session.get(Account, account_id)
    assert account is not None
    chain = domain_chain(session, account.domain_id)
    names = {(ACCOUNT, account.id): f"account {account.name}"}
    names.update({(DOMAIN, d.id): f"domain {d.name}" for d in chain})
    owners = list(names)
    caps = {
        o: {t: _in_count_units(BY_NUMBER[t], c[t]) for t in wanted}
        for o, c in _caps(session, config, account, chain).items()
    }
    stored = _stored_counts(session, owners, list(wanted))
    for t, n in wanted.items():
        for o in owners:
            if 0 <= caps[o][t] < stored.get((*o, t), 0) + n:
                raise _exceeded(BY_NUMBER[t], names[o], _api_cap(t, caps[o][t]), session, *o)
    _add_count_rows(session, [(*o, t) for o in owners for t in wanted if (*o, t) not in stored])
    for o in owners:
        if _bump_many(session, o, wanted, caps[o]) != len(wanted):
            # Another transaction charged the owner since the read (not on SQLite,
            # whose writer holds the database): the whole allocation is refused.
            t = next((t for t in wanted if caps[o][t] >= 0), next(iter(wanted)))
            raise _exceeded(BY_NUMBER[t], names[o], _api_cap(t, caps[o][t]), session, *o)


def _api_cap(rtype: int, cap: int) -> int:
    return cap // GIB if BY_NUMBER[rtype].in_bytes and cap >= 0 else cap


def _bump_many(
    session: Session, owner: Owner, amounts: dict[int, int], caps: dict[int, int]
) -> int:
    """Add ``amounts`` to one owner's counts where each stays within its cap; rows changed."""
    rc = _COUNTS
    add: Any
    if len(amounts) == 1:
        ((t, n),) = amounts.items()
        add, cap = literal(n), caps[t]
        within = rc.c["count"] + add <= cap if cap >= 0 else None
    else:
        add = case(amounts, value=rc.c.resource_type)
        capped = case(caps, value=rc.c.resource_type)
        limited = any(c >= 0 for c in caps.values())
        within = or_(capped < 0, rc.c["count"] + add <= capped) if limited else None
    stmt = (
        update(rc)
        .where(
            rc.c.owner_type == owner[0],
            rc.c.owner_id == owner[1],
            rc.c.resource_type.in_(list(amounts)),
        )
        .values(count=rc.c["count"] + add)
    )
    if within is not None:
        stmt = stmt.where(within)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def consume(
    session: Session, config: ConfigStore, account_id: int, resource_type: int, amount: int = 1
) -> None:
    """Add ``amount`` to the account's count and its domains', or raise 532.

    Call it inside the transaction that creates the resource, before or after
    the insert; a raise rolls everything back. ``amount`` is in count units:
    1 per VM/volume/..., cores for cpu, MiB for memory, bytes for storage.
    """
    kind(resource_type)
    consume_many(session, config, account_id, {resource_type: amount})


def _exceeded(
    k: ResourceKind, owner: str, cap: int, session: Session, owner_type: str, owner_id: int
) -> ResourceLimitExceeded:
    used = counts(session, owner_type, owner_id)[k.number]
    shown = f"{used / GIB:.2f} GiB" if k.in_bytes else str(used)
    return ResourceLimitExceeded(
        f"Maximum number of resources of type '{k.name}' for {owner} has been exceeded: "
        f"limit {cap}, in use {shown}. Free some or ask an administrator to raise the limit"
    )


def release(session: Session, account_id: int, resource_type: int, amount: int = 1) -> None:
    """Give back what ``consume`` took (never below zero)."""
    kind(resource_type)
    release_many(session, account_id, {resource_type: amount})


def release_many(session: Session, account_id: int, amounts: dict[int, int]) -> None:
    """``release`` for several types at once: one UPDATE per owner."""
    wanted = {kind(t).number: n for t, n in amounts.items() if n > 0}
    if not wanted:
        return
    account = session.get(Account, account_id)
    assert account is not None
    rc = _COUNTS
    take: Any = (
        literal(next(iter(wanted.values())))
        if len(wanted) == 1
        else case(wanted, value=rc.c.resource_type)
    )
    owners = [(ACCOUNT, account.id)] + [
        (DOMAIN, d.id) for d in domain_chain(session, account.domain_id)
    ]
    for owner_type, owner_id in owners:
        session.execute(
            update(rc)
            .where(
                rc.c.owner_type == owner_type,
                rc.c.owner_id == owner_id,
                rc.c.resource_type.in_(list(wanted)),
            )
            .values(count=case((rc.c["count"] >= take, rc.c["count"] - take), else_=0))
        )


def move_domain_usage(
    session: Session,
    config: ConfigStore,
    usage: dict[int, int],
    leaving: list[Domain],
    joining: list[Domain],
) -> None:
    """A subtree using ``usage`` moves (moveDomain): add it to the domains it joins,
    within their limits (532 otherwise), and take it off the domains it leaves."""
    wanted = {rtype: amount for rtype, amount in usage.items() if amount > 0}
    for domain in joining if wanted else []:
        limits = domain_limits(session, config, domain)
        caps = {t: _in_count_units(kind(t), limits[t]) for t in wanted}
        for rtype in wanted:
            _ensure_count_row(session, DOMAIN, domain.id, rtype)
        if _bump_many(session, (DOMAIN, domain.id), wanted, caps) != len(wanted):
            used = counts(session, DOMAIN, domain.id)
            over = [t for t in wanted if 0 <= caps[t] < used[t] + wanted[t]]
            t = (over or [t for t in wanted if caps[t] >= 0] or list(wanted))[0]
            raise _exceeded(kind(t), f"domain {domain.name}", limits[t], session, DOMAIN, domain.id)
    for domain in leaving:
        for rtype, amount in usage.items():
            if amount > 0:
                session.execute(
                    update(ResourceCount)
                    .where(
                        ResourceCount.owner_type == DOMAIN,
                        ResourceCount.owner_id == domain.id,
                        ResourceCount.resource_type == rtype,
                    )
                    .values(
                        count=case(
                            (ResourceCount.count >= amount, ResourceCount.count - amount), else_=0
                        )
                    )
                    .execution_options(synchronize_session=False)
                )


def forget_account(session: Session, account: Account) -> None:
    """On account removal: take its usage off its domains and drop its rows."""
    for rtype, used in counts(session, ACCOUNT, account.id).items():
        if used:
            release(session, account.id, rtype, used)
    for model in (ResourceCount, ResourceLimit):
        session.query(model).filter(
            model.owner_type == ACCOUNT, model.owner_id == account.id
        ).delete(synchronize_session=False)


def set_limit(
    session: Session, owner_type: str, owner_id: int, resource_type: int, maximum: int
) -> None:
    row = session.execute(
        select(ResourceLimit).where(
            ResourceLimit.owner_type == owner_type,
            ResourceLimit.owner_id == owner_id,
            ResourceLimit.resource_type == resource_type,
        )
    ).scalar()
    if row is None:
        session.add(
            ResourceLimit(
                owner_type=owner_type, owner_id=owner_id, resource_type=resource_type, max=maximum
            )
        )
    else:
        row.max = maximum
    session.flush()


def set_count(session: Session, owner_type: str, owner_id: int, rtype: int, value: int) -> None:
    _ensure_count_row(session, owner_type, owner_id, rtype)
    session.execute(
        update(ResourceCount)
        .where(
            ResourceCount.owner_type == owner_type,
            ResourceCount.owner_id == owner_id,
            ResourceCount.resource_type == rtype,
        )
        .values(count=value)
        .execution_options(synchronize_session=False)
    )


def _measure(
    session: Session, account_ids: list[int], types: list[int]
) -> dict[int, dict[int, int]]:
    """Real usage per account per type, where an area registered a counter; else
    the stored count (nothing to compare it with)."""
    out: dict[int, dict[int, int]] = {a: counts(session, ACCOUNT, a) for a in account_ids}
    for rtype in types:
        counter = COUNTERS.get(rtype)
        if rtype == ResourceType.PROJECT:
            real = _count_projects(session, account_ids)
        elif counter is not None:
            real = counter(session, account_ids)
        else:
            continue
        for a in account_ids:
            out[a][rtype] = real.get(a, 0)
    return out


def _count_projects(session: Session, account_ids: list[int]) -> dict[int, int]:
    from cumulo.db.models.project import Project, ProjectMember

    rows = session.execute(
        select(ProjectMember.account_id, func.count())
        .join(Project, Project.id == ProjectMember.project_id)
        .where(
            ProjectMember.account_id.in_(account_ids),
            ProjectMember.role == "Admin",
            Project.removed.is_(None),
        )
        .group_by(ProjectMember.account_id)
    )
    return {a: int(n) for a, n in rows}


def recalculate_account(session: Session, account: Account, types: list[int]) -> dict[int, int]:
    """Reset an account's counts to real usage; its domains are not touched."""
    measured = _measure(session, [account.id], types)[account.id]
    for rtype in types:
        set_count(session, ACCOUNT, account.id, rtype, measured[rtype])
    return measured


def recalculate_domain(session: Session, domain: Domain, types: list[int]) -> dict[int, int]:
    """Recount every account below the domain, then every domain of the subtree as
    the sum of the accounts under it. Returns the domain's counts."""
    rows = session.execute(
        select(Account.id, Domain.path)
        .join(Domain, Domain.id == Account.domain_id)
        .where(Domain.path.startswith(domain.path, autoescape=True), Account.removed.is_(None))
    ).all()
    measured = _measure(session, [a for a, _ in rows], types)
    for account_id, _path in rows:
        for rtype in types:
            set_count(session, ACCOUNT, account_id, rtype, measured[account_id][rtype])
    subtree = session.execute(
        select(Domain).where(
            Domain.path.startswith(domain.path, autoescape=True), Domain.removed.is_(None)
        )
    ).scalars()
    result: dict[int, int] = {}
    for sub in subtree:
        for rtype in types:
            total = sum(measured[a][rtype] for a, path in rows if path.startswith(sub.path))
            set_count(session, DOMAIN, sub.id, rtype, total)
            if sub.id == domain.id:
                result[rtype] = total
    return result
