"""Sharing, extracting and creating templates (§6.6): permissions, extract, createTemplate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args, resolve_entity
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.results import Enqueue, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.template_params import (
    CREATE_TEMPLATE_PARAMS,
    EXTRACT_ISO_PARAMS,
    EXTRACT_TEMPLATE_PARAMS,
    LIST_ISO_PERMISSIONS_PARAMS,
    LIST_TEMPLATE_PERMISSIONS_PARAMS,
    UPDATE_ISO_PERMISSIONS_PARAMS,
    UPDATE_TEMPLATE_PERMISSIONS_PARAMS,
)
from cumulo.api.views.template import extract_view
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.template import VMTemplate
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import template_permissions, templates
from cumulo.services.resource_owner import resolve_owner


def _template(call: Call, value: Any, iso: bool) -> VMTemplate:
    row = (
        value
        if isinstance(value, VMTemplate)
        else resolve_entity(call.db, "VMTemplate", "id", value)
    )
    if row.removed is not None or row.is_template == iso:
        raise InvalidParameter(f"Unable to find {'ISO' if iso else 'template'} with id {row.uuid}")
    return row


def _update_permissions(call: Call, args: Args, iso: bool) -> SuccessResult:
    row = _template(call, args.id, iso)
    project_accounts = [p.account_id for p in (args.projectids or []) if p != "-1"]
    template_permissions.update(
        call.db,
        call.caller,
        row,
        op=(args.op or "").lower() or None,
        accounts=list(args.accounts or []),
        project_account_ids=project_accounts,
        is_public=args.ispublic,
        is_featured=args.isfeatured,
        is_extractable=args.isextractable,
    )
    return SuccessResult()


@command(
    "updateTemplatePermissions",
    params=UPDATE_TEMPLATE_PERMISSIONS_PARAMS,
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def update_template_permissions(call: Call, args: Args) -> SuccessResult:
    """Updates a template visibility permissions."""
    return _update_permissions(call, args, iso=False)


@command(
    "updateIsoPermissions",
    params=UPDATE_ISO_PERMISSIONS_PARAMS,
    roles=ALL_ROLES,
    response_class="SuccessResponse",
)
def update_iso_permissions(call: Call, args: Args) -> SuccessResult:
    """Updates ISO permissions"""
    return _update_permissions(call, args, iso=True)


def _list_permissions(call: Call, args: Args, iso: bool) -> ObjectResult:
    row = _template(call, args.id, iso)
    if not row.is_public:
        templates.check_owner_access(call.caller, row)
    domain = call.db.get(Domain, row.domain_id)
    assert domain is not None
    shared = template_permissions.shared_accounts(call.db, row)
    return ObjectResult(
        {
            "id": row.uuid,
            "ispublic": row.is_public,
            "domainid": domain.uuid,
            "account": [a.name for a in shared],
            "projectids": [],
        }
    )


@command(
    "listTemplatePermissions",
    params=LIST_TEMPLATE_PERMISSIONS_PARAMS,
    roles=ALL_ROLES,
    object_name="templatepermission",
    response_class="TemplatePermissionsResponse",
)
def list_template_permissions(call: Call, args: Args) -> ObjectResult:
    """List template visibility and all accounts that have permissions to view this template."""
    return _list_permissions(call, args, iso=False)


@command(
    "listIsoPermissions",
    params=LIST_ISO_PERMISSIONS_PARAMS,
    # As CloudStack, which reuses the template command's envelope name.
    response_name="listtemplatepermissionsresponse",
    roles=ALL_ROLES,
    object_name="templatepermission",
    response_class="TemplatePermissionsResponse",
)
def list_iso_permissions(call: Call, args: Args) -> ObjectResult:
    """List ISO visibility and all accounts that have permissions to view this ISO."""
    return _list_permissions(call, args, iso=True)


def _extract(call: Call, args: Args, iso: bool) -> Enqueue:
    row = _template(call, args.id, iso)
    mode = templates.extract_mode(args.mode)
    # Owners and their admins may always extract; others only extractable public ones.
    try:
        templates.check_owner_access(call.caller, row)
    except PermissionDenied:
        if not (row.is_extractable and row.is_public):
            raise PermissionDenied(
                f"{row.name} is not extractable by account {call.caller.account_name}"
            ) from None
    if row.template_type == "SYSTEM":
        raise InvalidParameter("The system VM template can't be extracted")
    zone = args.zoneid if isinstance(args.zoneid, Zone) else None
    ref = templates.ready_copy(call.db, row, zone)
    return Enqueue(
        {"id": row.id, "ref": ref.id, "mode": mode},
        instance_type="Iso" if iso else "Template",
        instance_uuid=row.uuid,
    )


def _extract_run(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    def work(s: Session) -> dict[str, Any]:
        row = s.get(VMTemplate, int(payload["id"]))
        assert row is not None
        _ref, zone, url = templates.extract_url(s, row, int(payload["ref"]), job.runtime.config)
        account = s.get(Account, row.account_id)
        return extract_view(row.uuid, row.name, account, payload["mode"], url, zone)

    return ObjectResult(job.transaction(work))


@command(
    "extractTemplate",
    params=EXTRACT_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="template",
    response_class="ExtractResponse",
)
def extract_template(call: Call, args: Args) -> Enqueue:
    """Extracts a template"""
    return _extract(call, args, iso=False)


@command(
    "extractIso",
    params=EXTRACT_ISO_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="iso",
    response_class="ExtractResponse",
)
def extract_iso(call: Call, args: Args) -> Enqueue:
    """Extracts an ISO"""
    return _extract(call, args, iso=True)


extract_template.execute(_extract_run)
extract_iso.execute(_extract_run)


def _source_volume(call: Call, args: Args) -> Volume:
    if args.snapshotid:
        raise InvalidParameter(
            "Creating a template from a snapshot is not available yet; use volumeid"
        )
    volume: Volume | None = args.volumeid
    if volume is None and args.virtualmachineid:
        vm = call.db.execute(
            select(VMInstance).where(VMInstance.uuid == args.virtualmachineid)
        ).scalar_one_or_none()
        if vm is None:
            raise InvalidParameter(f"Unable to find virtual machine {args.virtualmachineid}")
        volume = call.db.execute(
            select(Volume).where(
                Volume.instance_id == vm.id, Volume.volume_type == "ROOT", Volume.removed.is_(None)
            )
        ).scalar_one_or_none()
    if volume is None:
        raise InvalidParameter("Specify volumeid (or snapshotid) to create the template from")
    return volume


@command(
    "createTemplate",
    params=CREATE_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC_CREATE,
    object_name="template",
    response_class="TemplateResponse",
)
def create_template(call: Call, args: Args) -> Enqueue:
    """Creates a template of a virtual machine."""
    volume = _source_volume(call, args)
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    row = templates.create_from_volume(
        call.db,
        call.caller,
        call.runtime.config,
        owner,
        volume,
        name=args.name.strip(),
        display_text=(args.displaytext or args.name).strip(),
        guest_os_id=args.ostypeid.id,
        is_public=bool(args.ispublic),
        is_featured=bool(args.isfeatured),
        password_enabled=bool(args.passwordenabled),
        ssh_key_enabled=bool(args.sshkeyenabled),
        is_dynamically_scalable=bool(args.isdynamicallyscalable),
        requires_hvm=args.requireshvm is not False,
        bits=args.bits or 64,
        template_tag=args.templatetag,
    )
    return Enqueue({"id": row.id, "volume": volume.id}, "Template", row.uuid)


@create_template.execute
def _create_template(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    from cumulo.api.commands.templates import _rows

    def work(s: Session) -> dict[str, Any]:
        row = s.get(VMTemplate, int(payload["id"]))
        volume = s.get(Volume, int(payload["volume"]))
        assert row is not None and volume is not None
        templates.finish_from_volume(s, row, volume)
        return _rows(s, job.caller, [row.id])[0]

    return ObjectResult(job.transaction(work))
