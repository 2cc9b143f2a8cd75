"""ResourceTagResponse (also the ``tags[]`` items of other responses)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cumulo.api.views.domain import pretty_path
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.resource_tag import ResourceTag


def tag_view(tag: ResourceTag, account: Account, domain: Domain) -> dict[str, Any]:
    return {
        "key": tag.key,
        "value": tag.value,
        "resourcetype": tag.resource_type,
        "resourceid": tag.resource_uuid,
        "account": account.name,
        "domainid": domain.uuid,
        "domain": domain.name,
        "domainpath": pretty_path(domain.path),
        "customer": tag.customer,
    }


def tags_field(session: Session, tags: list[ResourceTag]) -> list[dict[str, Any]]:
    out = []
    for tag in tags:
        account, domain = session.get(Account, tag.account_id), session.get(Domain, tag.domain_id)
        assert account is not None and domain is not None
        out.append(tag_view(tag, account, domain))
    return out
