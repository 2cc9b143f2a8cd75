"""Sharing a template or ISO with other accounts (updateTemplatePermissions)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.template_permission import TemplatePermission
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.services.templates import check_owner_access

OPS = ("add", "remove", "reset")


def _accounts(session: Session, template: VMTemplate, names: list[str]) -> list[Account]:
    """Accounts named in the template owner's domain, as CloudStack resolves them."""
    found = []
    for name in names:
        row = session.execute(
            select(Account).where(
                Account.name == name.strip(),
                Account.domain_id == template.domain_id,
                Account.removed.is_(None),
            )
        ).scalar_one_or_none()
        if row is None:
            raise InvalidParameter(f"Unable to find account {name} in the template owner's domain")
        found.append(row)
    return found


def update(
    session: Session,
    caller: Caller,
    template: VMTemplate,
    *,
    op: str | None,
    accounts: list[str],
    project_account_ids: list[int],
    is_public: bool | None,
    is_featured: bool | None,
    is_extractable: bool | None,
) -> None:
    if template.removed is not None:
        raise InvalidParameter(f"Template {template.uuid} has been deleted")
    check_owner_access(caller, template)
    if template.template_type in ("SYSTEM", "BUILTIN") and not caller.is_root_admin:
        raise PermissionDenied("Only root admins may change built-in or system templates")
    if is_featured and not caller.is_root_admin:
        raise PermissionDenied("Only root admins may feature a template")
    if is_public is not None:
        template.is_public = is_public
    if is_featured is not None:
        template.is_featured = is_featured
    if is_extractable is not None:
        template.is_extractable = is_extractable
    if (accounts or project_account_ids) and op is None:
        raise InvalidParameter("Specify op=add, remove or reset with accounts or projectids")
    if op is None:
        return
    if op not in OPS:
        raise InvalidParameter(f"Invalid op {op!r}; use add, remove or reset")
    ids = [a.id for a in _accounts(session, template, accounts)] + project_account_ids
    if op == "reset":
        session.execute(
            delete(TemplatePermission).where(TemplatePermission.template_id == template.id)
        )
        return
    if not ids:
        raise InvalidParameter(f"op={op} needs accounts or projectids")
    if op == "remove":
        session.execute(
            delete(TemplatePermission).where(
                TemplatePermission.template_id == template.id,
                TemplatePermission.account_id.in_(ids),
            )
        )
        return
    have = set(
        session.execute(
            select(TemplatePermission.account_id).where(
                TemplatePermission.template_id == template.id
            )
        ).scalars()
    )
    for account_id in ids:
        if account_id not in have and account_id != template.account_id:
            session.add(TemplatePermission(template_id=template.id, account_id=account_id))
    session.flush()


def shared_accounts(session: Session, template: VMTemplate) -> list[Account]:
    return list(
        session.execute(
            select(Account)
            .join(TemplatePermission, TemplatePermission.account_id == Account.id)
            .where(TemplatePermission.template_id == template.id)
            .order_by(Account.id)
        ).scalars()
    )
