"""Resource tags: a registry of taggable types, create/delete, and the list filter.

CloudStack names taggable resources by ``ResourceObjectType`` (UserVm, Volume,
Template, ...). Each area registers the model that backs a type with one line,
by model class name so no import is needed::

    tags.register("UserVm", "VirtualMachine")

Types CloudStack tags but whose model is not merged yet answer 431 saying so.
A model's owner is read from ``account_id``/``domain_id`` columns unless the
registration gives an ``owner`` function (Account is its own owner).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from cumulo.api.arguments import model_class
from cumulo.api.context import Caller
from cumulo.db.models.domain import Domain
from cumulo.db.models.resource_tag import ResourceTag
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services import events

# CloudStack's ResourceObjectType values that support user tags.
CLOUDSTACK_TAGGABLE = (
    "UserVm",
    "Template",
    "ISO",
    "Volume",
    "Snapshot",
    "Backup",
    "Network",
    "LoadBalancer",
    "PortForwardingRule",
    "FirewallRule",
    "SecurityGroup",
    "SecurityGroupRule",
    "PublicIpAddress",
    "Project",
    "Account",
    "Vpc",
    "NetworkACL",
    "StaticRoute",
    "VMSnapshot",
    "RemoteAccessVpn",
    "User",
    "AutoScaleVmGroup",
    "SnapshotPolicy",
    "VpcOffering",
    "Bucket",
    "KubernetesCluster",
)

OwnerFn = Callable[[Any], tuple[int, int]]  # row → (account_id, domain_id)


@dataclass(frozen=True)
class Taggable:
    resource_type: str
    model: str
    owner: OwnerFn | None = None


_registry: dict[str, Taggable] = {}


def register(resource_type: str, model: str, owner: OwnerFn | None = None) -> None:
    _registry[resource_type.lower()] = Taggable(resource_type, model, owner)


register("Account", "Account", owner=lambda a: (a.id, a.domain_id))
register("User", "User", owner=lambda u: (u.account_id, u.domain_id))


def taggable(resource_type: str) -> Taggable:
    entry = _registry.get(resource_type.strip().lower())
    known = next(
        (t for t in CLOUDSTACK_TAGGABLE if t.lower() == resource_type.strip().lower()), None
    )
    if entry is None or not _model_exists(entry.model):
        if known:
            raise InvalidParameter(f"Resource type {known} can't be tagged yet on this cloud")
        raise InvalidParameter(
            f"Invalid resourcetype {resource_type!r}; taggable types are: "
            + ", ".join(CLOUDSTACK_TAGGABLE)
        )
    return entry


def _model_exists(name: str) -> bool:
    try:
        model_class(name)
    except LookupError:
        return False
    return True


@dataclass(frozen=True)
class Target:
    row: Any
    account_id: int
    domain_id: int
    domain_path: str


def targets(session: Session, caller: Caller, resource_type: str, ids: list[str]) -> list[Target]:
    """The tagged rows by uuid, checking the caller may act on their owners."""
    entry = taggable(resource_type)
    cls: Any = model_class(entry.model)
    found = []
    for uuid in dict.fromkeys(ids):
        row = session.execute(select(cls).where(cls.uuid == uuid)).scalar()
        if row is None or getattr(row, "removed", None) is not None:
            raise InvalidParameter(
                f"Unable to find resource by id {uuid} and type {entry.resource_type}"
            )
        account_id, domain_id = entry.owner(row) if entry.owner else (row.account_id, row.domain_id)
        domain = session.get(Domain, domain_id)
        assert domain is not None
        allowed = (
            account_id == caller.account_id
            if not caller.is_admin
            else caller.can_see_domain_path(domain.path)
        )
        if not allowed:
            raise PermissionDenied(
                f"Account {caller.account_name} does not have permission to tag resource {uuid}"
            )
        found.append(Target(row, account_id, domain_id, domain.path))
    return found


def parse_tags(
    raw: dict[int, dict[str, str]] | None, *, need_value: bool
) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for record in (raw or {}).values():
        key = (record.get("key") or "").strip()
        if not key:
            raise InvalidParameter("Every tag needs a key: tags[0].key=<key>&tags[0].value=<value>")
        value = record.get("value")
        if need_value and value is None:
            raise InvalidParameter(f"Tag {key} needs a value: tags[i].value=<value>")
        if (value is not None and len(value) > 255) or len(key) > 255:
            raise InvalidParameter(f"Tag key and value may have at most 255 characters ({key})")
        if any(k == key for k, _ in pairs) and need_value:
            raise InvalidParameter(f"Tag key {key} is given more than once")
        pairs.append((key, value))
    return pairs


def check_new(
    session: Session,
    caller: Caller,
    resource_type: str,
    ids: list[str],
    raw_tags: dict[int, dict[str, str]] | None,
) -> tuple[Taggable, list[Target], list[tuple[str, str | None]]]:
    """Everything createTags checks before writing (run by the call and again by the job)."""
    entry = taggable(resource_type)
    pairs = parse_tags(raw_tags, need_value=True)
    if not pairs:
        raise InvalidParameter("At least one tag is required: tags[0].key=<key>&tags[0].value=<v>")
    found = targets(session, caller, resource_type, ids)
    for target in found:
        for key, _value in pairs:
            clash = session.execute(
                select(ResourceTag.id).where(
                    ResourceTag.resource_type == entry.resource_type,
                    ResourceTag.resource_id == target.row.id,
                    ResourceTag.key == key,
                )
            ).first()
            if clash:
                raise InvalidParameter(
                    f"Resource {target.row.uuid} already has a tag with key {key}; delete it first"
                )
    return entry, found, pairs


def create(
    session: Session,
    caller: Caller,
    resource_type: str,
    ids: list[str],
    raw_tags: dict[int, dict[str, str]],
    customer: str | None,
) -> None:
    entry, found, pairs = check_new(session, caller, resource_type, ids, raw_tags)
    for target in found:
        for key, value in pairs:
            session.add(
                ResourceTag(
                    key=key,
                    value=value or "",
                    resource_type=entry.resource_type,
                    resource_id=target.row.id,
                    resource_uuid=target.row.uuid,
                    account_id=target.account_id,
                    domain_id=target.domain_id,
                    domain_path=target.domain_path,
                    customer=customer,
                )
            )
    session.flush()
    events.record(
        session,
        caller,
        "CREATE_TAGS",
        f"Created tags on {len(found)} {entry.resource_type} resource(s)",
        resource_type=entry.resource_type,
    )


def remove(
    session: Session,
    caller: Caller,
    resource_type: str,
    ids: list[str],
    raw_tags: dict[int, dict[str, str]] | None,
) -> int:
    """Delete the resources' tags (only the given keys / key+value pairs, if any)."""
    entry = taggable(resource_type)
    pairs = parse_tags(raw_tags, need_value=False)
    removed = 0
    for target in targets(session, caller, resource_type, ids):
        stmt = delete(ResourceTag).where(
            ResourceTag.resource_type == entry.resource_type,
            ResourceTag.resource_id == target.row.id,
        )
        if pairs:
            stmt = stmt.where(
                or_(
                    *[
                        and_(
                            ResourceTag.key == k,
                            *([ResourceTag.value == v] if v is not None else []),
                        )
                        for k, v in pairs
                    ]
                )
            )
        removed += session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]
    events.record(
        session,
        caller,
        "DELETE_TAGS",
        f"Deleted {removed} tag(s) on {entry.resource_type} resources",
        resource_type=entry.resource_type,
    )
    return removed


def drop_all(session: Session, resource_type: str, resource_id: int) -> None:
    """The resource is gone for good: its tags go with it (CloudStack removes them too)."""
    session.execute(
        delete(ResourceTag).where(
            ResourceTag.resource_type == resource_type, ResourceTag.resource_id == resource_id
        )
    )


def tag_filter(
    resource_type: str, id_col: SQLColumnExpression[int], raw_tags: dict[int, dict[str, str]] | None
) -> ColumnElement[bool] | None:
    """For list commands' ``tags`` map: resources having ANY of the pairs (CloudStack's OR).

    A record without value matches the key alone. None when no tags were given.
    """
    pairs = parse_tags(raw_tags, need_value=False)
    if not pairs:
        return None
    matches = [
        and_(ResourceTag.key == k, *([ResourceTag.value == v] if v is not None else []))
        for k, v in pairs
    ]
    return exists().where(
        ResourceTag.resource_type == resource_type,
        ResourceTag.resource_id == id_col,
        or_(*matches),
    )


def tags_of(
    session: Session, resource_type: str, resource_ids: list[int]
) -> dict[int, list[ResourceTag]]:
    """Tags per resource id, for the ``tags[]`` field of other responses."""
    out: dict[int, list[ResourceTag]] = {i: [] for i in resource_ids}
    if not resource_ids:
        return out
    rows = session.execute(
        select(ResourceTag)
        .where(
            ResourceTag.resource_type == resource_type, ResourceTag.resource_id.in_(resource_ids)
        )
        .order_by(ResourceTag.id)
    ).scalars()
    for tag in rows:
        out[tag.resource_id].append(tag)
    return out
