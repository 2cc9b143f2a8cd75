"""ProjectResponse and ProjectAccountResponse."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.views.domain import pretty_path
from cumulo.api.views.resource_limit import limit_fields
from cumulo.db.models.account import Account, User
from cumulo.db.models.domain import Domain
from cumulo.db.models.project import Project, ProjectMember
from cumulo.db.models.project_role import ProjectRole
from cumulo.services import limits, projects
from cumulo.services.configuration import ConfigStore


def project_view(session: Session, config: ConfigStore, project: Project) -> dict[str, Any]:
    domain = session.get(Domain, project.domain_id)
    account = session.get(Account, project.account_id)
    assert domain is not None and account is not None
    owner = projects.owner_of(session, project)
    fields: dict[str, Any] = {
        "id": project.uuid,
        "name": project.name,
        "displaytext": project.display_text,
        "domainid": domain.uuid,
        "domain": domain.name,
        "owner": owner.name if owner else None,
        "projectaccountname": account.name,
        "state": project.state,
        "created": project.created,
        "tags": [],
    }
    fields.update(
        limit_fields(
            limits.account_limits(session, config, account),
            limits.counts(session, limits.ACCOUNT, account.id),
            skip=(limits.ResourceType.PROJECT,),
        )
    )
    fields["vmstopped"] = 0
    fields["vmrunning"] = 0
    return fields


def project_account_view(
    project: Project,
    member: ProjectMember,
    account: Account,
    domain: Domain,
    user: User | None = None,
    project_role: ProjectRole | None = None,
) -> dict[str, Any]:
    """One membership: an account's, or (``user``) a single user's of that account."""
    return {
        "projectid": project.uuid,
        "project": project.name,
        "accountid": account.uuid,
        "account": account.name,
        "accounttype": account.type,
        "userid": user.uuid if user else None,
        "username": user.username if user else None,
        "role": member.role,
        "projectroleid": project_role.uuid if project_role else None,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
    }
