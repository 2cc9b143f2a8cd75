"""Dedicated resources (CloudStack's dedicated-resources plugin): dedicate*,
listDedicated*, releaseDedicated* for zones, pods, clusters and hosts.

The four levels differ only in names, so one declaration per verb is made for
each. The dedication is written by the handler (one transaction, so a refused
dedication leaves nothing behind and the refusal is immediate); the job only
reports it, so a surviving node may simply run it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.params import STRING, UUID, Param
from cumulo.api.results import Enqueue, ListResult, SuccessResult
from cumulo.api.roles import RoleType
from cumulo.api.scope import check_domain_access, find_account
from cumulo.db.models.account import Account
from cumulo.db.models.affinity_group import AffinityGroup
from cumulo.db.models.dedicated_resource import DedicatedResource
from cumulo.db.models.domain import Domain
from cumulo.db.models.host import Host
from cumulo.db.models.host_cluster import Cluster
from cumulo.db.models.pod import Pod
from cumulo.db.models.zone import Zone
from cumulo.jobs.context import JobRun
from cumulo.services import dedication

# CloudStack lets the root admin and resource admins dedicate infrastructure.
INFRA_ADMINS = frozenset({RoleType.ADMIN, RoleType.RESOURCE_ADMIN})
D = DedicatedResource


@dataclass(frozen=True)
class Level:
    kind: str  # Zone | Pod | Cluster | Host
    model: Any
    plural: str

    @property
    def key(self) -> str:
        return self.kind.lower()

    @property
    def param(self) -> str:
        return f"{self.key}id"

    @property
    def column(self) -> Any:
        return getattr(D, f"{self.key}_id")

    def id_param(self, *, required: bool) -> Param:
        return Param(
            self.param, UUID, required=required, entity=self.kind, description=f"the {self.key} ID"
        )

    @property
    def object_name(self) -> str:
        return f"dedicated{self.key}"

    @property
    def response_class(self) -> str:
        return f"Dedicate{self.kind}Response"


LEVELS = (
    Level("Zone", Zone, "Zones"),
    Level("Pod", Pod, "Pods"),
    Level("Cluster", Cluster, "Clusters"),
    Level("Host", Host, "Hosts"),
)


def dedication_view(
    level: Level, row: D, resource: Any, domain: Domain, account: Account | None, group: Any
) -> dict[str, Any]:
    return {
        "id": row.uuid,
        level.param: resource.uuid,
        f"{level.key}name": resource.name,
        "domainid": domain.uuid,
        "accountid": account.uuid if account else None,
        "affinitygroupid": group.uuid if group else None,
    }


def _rows(session: Session, level: Level, stmt: Any) -> list[dict[str, Any]]:
    """Views of (dedication, resource, domain, account, group) rows."""
    return [dedication_view(level, *r) for r in session.execute(stmt)]


def _select(level: Level) -> Any:
    return (
        select(D, level.model, Domain, Account, AffinityGroup)
        .join(level.model, level.model.id == level.column)
        .join(Domain, Domain.id == D.domain_id)
        .outerjoin(Account, Account.id == D.account_id)
        .outerjoin(AffinityGroup, AffinityGroup.id == D.affinity_group_id)
    )


def _declare(level: Level) -> None:
    owner_params = [
        Param(
            "domainid",
            UUID,
            required=True,
            entity="Domain",
            description="the ID of the containing domain",
        ),
        Param(
            "account",
            STRING,
            description="the name of the account which needs dedication. Must be used "
            "with domainId.",
        ),
    ]

    @command(
        f"dedicate{level.kind}",
        params=[
            level.id_param(required=True),
            *owner_params,
        ],
        kind=Kind.ASYNC,
        roles=INFRA_ADMINS,
        instance_type=level.kind,
        object_name=level.object_name,
        response_class=level.response_class,
        resumable=True,
        description=f"Dedicates a {level.key}.",
    )
    def dedicate(call: Call, args: Args) -> Enqueue:
        owner = dedication.resolve(call.db, call.caller, args.domainid, args.account)
        row = dedication.dedicate(call.db, call.caller, args.get(level.param), owner)
        return Enqueue({"id": row.id}, instance_uuid=args.get(level.param).uuid)

    @dedicate.execute
    def _report(job: JobRun, payload: dict[str, Any]) -> ListResult:
        def work(session: Session) -> ListResult:
            items = _rows(session, level, _select(level).where(D.id == payload["id"]))
            return ListResult(items, len(items))  # CloudStack answers a list here

        return job.transaction(work)

    @command(
        f"listDedicated{level.plural}",
        params=[
            level.id_param(required=False),
            Param("domainid", UUID, entity="Domain", description="the ID of the domain"),
            Param(
                "account",
                STRING,
                description="the name of the account associated with the "
                f"{level.key}. Must be used with domainId.",
            ),
            Param(
                "affinitygroupid",
                UUID,
                entity="AffinityGroup",
                description="list dedicated resources by affinity group",
            ),
        ],
        roles=INFRA_ADMINS,
        is_list=True,
        object_name=level.object_name,
        response_class=level.response_class,
        description=f"Lists dedicated {level.key}s.",
    )
    def list_dedicated(call: Call, args: Args) -> ListResult:
        stmt = _select(level).where(level.column.is_not(None), level.model.removed.is_(None))
        if not call.caller.is_root_admin:
            stmt = stmt.where(D.domain_path.startswith(call.caller.domain_path, autoescape=True))
        if args.get(level.param) is not None:
            stmt = stmt.where(level.column == args.get(level.param).id)
        if args.domainid is not None:
            check_domain_access(call.caller, args.domainid)
            stmt = stmt.where(D.domain_id == args.domainid.id)
        if args.account:
            domain_id = args.domainid.id if args.domainid else call.caller.domain_id
            stmt = stmt.where(D.account_id == find_account(call.db, args.account, domain_id).id)
        if args.affinitygroupid is not None:
            stmt = stmt.where(D.affinity_group_id == args.affinitygroupid.id)
        if args.keyword:
            stmt = stmt.where(level.model.name.contains(args.keyword, autoescape=True))
        rows, count = fetch_page(call.db, stmt.order_by(D.id), call, args)
        return ListResult([dedication_view(level, *r) for r in rows], count)

    @command(
        f"releaseDedicated{level.kind}",
        params=[level.id_param(required=True)],
        kind=Kind.ASYNC,
        roles=INFRA_ADMINS,
        instance_type=level.kind,
        response_class="SuccessResponse",
        resumable=True,
        description=f"Release the dedication for {level.key}",
    )
    def release(call: Call, args: Args) -> Enqueue:
        resource = args.get(level.param)
        dedication.release(call.db, call.caller, resource)
        return Enqueue({}, instance_uuid=resource.uuid)

    @release.execute
    def _released(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
        return SuccessResult()


for _level in LEVELS:
    _declare(_level)
