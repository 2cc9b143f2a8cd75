"""Template and ISO commands (§6.6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from cumulo.api.arguments import Args
from cumulo.api.context import Call, Caller
from cumulo.api.declaration import Kind, command
from cumulo.api.paging import fetch_page
from cumulo.api.results import Enqueue, ListResult, ObjectResult, SuccessResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.scope import list_scope
from cumulo.api.template_params import (
    COPY_ISO_PARAMS,
    COPY_TEMPLATE_PARAMS,
    DELETE_ISO_PARAMS,
    DELETE_TEMPLATE_PARAMS,
    LIST_ISOS_PARAMS,
    LIST_TEMPLATES_PARAMS,
    REGISTER_ISO_PARAMS,
    REGISTER_TEMPLATE_PARAMS,
    UPDATE_ISO_PARAMS,
    UPDATE_TEMPLATE_PARAMS,
)
from cumulo.api.views.tag import tags_field
from cumulo.api.views.template import template_view
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.guest_os import GuestOs
from cumulo.db.models.template import TemplateStoreRef, VMTemplate
from cumulo.db.models.template_permission import TemplatePermission
from cumulo.db.models.zone import Zone
from cumulo.errors import InvalidParameter, PermissionDenied
from cumulo.jobs.context import JobRun
from cumulo.services import tags, templates
from cumulo.services.resource_owner import resolve_owner

tags.register("Template", "VMTemplate")
tags.register("ISO", "VMTemplate")

TEMPLATE_FILTERS = (
    "featured",
    "self",
    "selfexecutable",
    "shared",
    "sharedexecutable",
    "executable",
    "community",
    "all",
)


def _zones(args: Args) -> list[Zone] | None:
    """``zoneid``/``zoneids`` → zones; ``-1`` (or none for an admin ISO) → cross-zone."""
    if args.zoneid == "-1" or (args.get("zoneids") or []) == ["-1"]:
        return None
    if args.zoneid is not None:
        return [args.zoneid]
    if args.get("zoneids"):
        return [z for z in args.zoneids if z != "-1"]
    raise InvalidParameter("Please specify zoneid or zoneids (-1 for all zones)")


def _flags(args: Args) -> dict[str, Any]:
    return {
        "is_public": bool(args.ispublic),
        "is_featured": bool(args.isfeatured),
        "is_extractable": bool(args.isextractable),
        "password_enabled": bool(args.get("passwordenabled")),
        "is_dynamically_scalable": bool(args.get("isdynamicallyscalable")),
        "checksum": args.checksum,
    }


def template_fields(call: Call, args: Args, *, iso: bool) -> dict[str, Any]:
    """The vm_template columns of a register/getUploadParamsFor command's arguments."""
    os_row = templates.guest_os(call.db, args.ostypeid, not iso)
    fields = _flags(args)
    fields.update(
        name=args.name.strip(),
        display_text=(args.displaytext or args.name).strip(),
        guest_os_id=os_row.id if os_row else None,
        is_template=not iso,
    )
    if iso:
        fields.update(format="ISO", hypervisor="None", bootable=args.bootable is not False)
    else:
        fields.update(
            format=templates.normalise_format(args.format),
            hypervisor=templates.normalise_hypervisor(args.hypervisor),
            ssh_key_enabled=bool(args.sshkeyenabled),
            requires_hvm=args.requireshvm is not False,
            bits=args.bits or 64,
            template_tag=args.templatetag,
            template_type=(args.templatetype or "USER").upper(),
        )
        if fields["template_type"] not in ("USER", "SYSTEM", "ROUTING", "BUILTIN"):
            raise InvalidParameter("templatetype must be USER, SYSTEM, ROUTING or BUILTIN")
        if fields["template_type"] != "USER" and not call.caller.is_root_admin:
            raise PermissionDenied("Only root admins may register non-USER templates")
    return fields


def _register(call: Call, args: Args, *, iso: bool) -> ListResult:
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    fields = template_fields(call, args, iso=iso)
    fields["url"] = args.url.strip()
    row = templates.register(
        call.db, call.caller, call.runtime.config, owner, _zones(args), **fields
    )
    rows = _rows(call.db, call.caller, select_ids=[row.id])
    return ListResult(rows, len(rows))


@command(
    "registerTemplate",
    params=REGISTER_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    object_name="template",
    response_class="TemplateResponse",
)
def register_template(call: Call, args: Args) -> ListResult:
    """Registers an existing template into the CloudStack cloud."""
    return _register(call, args, iso=False)


@command(
    "registerIso",
    params=REGISTER_ISO_PARAMS,
    roles=ALL_ROLES,
    object_name="iso",
    response_class="TemplateResponse",
)
def register_iso(call: Call, args: Args) -> ListResult:
    """Registers an existing ISO into the CloudStack Cloud."""
    return _register(call, args, iso=True)


def _visibility(caller: Caller, flt: str, scope_clause: ColumnElement[bool]) -> ColumnElement[bool]:
    mine = VMTemplate.account_id == caller.account_id
    featured = and_(VMTemplate.is_featured.is_(True), VMTemplate.is_public.is_(True))
    public = VMTemplate.is_public.is_(True)
    if flt == "featured":
        return featured
    if flt in ("self", "selfexecutable"):
        return mine if not caller.is_admin else scope_clause
    shared = VMTemplate.id.in_(
        select(TemplatePermission.template_id).where(
            TemplatePermission.account_id == caller.account_id
        )
    )
    if flt in ("shared", "sharedexecutable"):
        return shared
    if flt == "community":
        return and_(public, VMTemplate.is_featured.is_(False))
    if flt == "executable":
        return or_(public, mine, shared, scope_clause if caller.is_admin else false())
    # "all"
    if not caller.is_admin:
        raise PermissionDenied("templatefilter=all is for administrators; use executable")
    if caller.is_root_admin:
        return true()
    return or_(public, VMTemplate.domain_path.startswith(caller.domain_path, autoescape=True))


def _base(session: Session) -> Any:
    first_ref = (
        select(func.min(TemplateStoreRef.id))
        .group_by(TemplateStoreRef.template_id, TemplateStoreRef.zone_id)
        .scalar_subquery()
    )
    return (
        select(VMTemplate, TemplateStoreRef, Zone, Account, Domain, GuestOs)
        .join(TemplateStoreRef, TemplateStoreRef.template_id == VMTemplate.id)
        .join(Zone, Zone.id == TemplateStoreRef.zone_id)
        .join(Account, Account.id == VMTemplate.account_id)
        .join(Domain, Domain.id == VMTemplate.domain_id)
        .outerjoin(GuestOs, GuestOs.id == VMTemplate.guest_os_id)
        .where(TemplateStoreRef.id.in_(first_ref), VMTemplate.removed.is_(None))
    )


def _views(session: Session, rows: list[Any], iso: bool) -> list[dict[str, Any]]:
    ids = list({r[0].id for r in rows})
    by_id = tags.tags_of(session, "ISO" if iso else "Template", ids)
    return [
        template_view(t, ref, z, a, d, os, tags_field(session, by_id.get(t.id, [])))
        for t, ref, z, a, d, os in rows
    ]


def _rows(session: Session, caller: Caller, select_ids: list[int]) -> list[dict[str, Any]]:
    stmt = _base(session).where(VMTemplate.id.in_(select_ids)).order_by(Zone.id)
    rows = list(session.execute(stmt))
    iso = bool(rows) and not rows[0][0].is_template
    return _views(session, rows, iso)


def _list(call: Call, args: Args, *, iso: bool) -> ListResult:
    flt = (args.get("isofilter") if iso else args.get("templatefilter")) or (
        "selfexecutable" if iso else ""
    )
    flt = flt.lower()
    if flt not in TEMPLATE_FILTERS:
        raise InvalidParameter(
            f"Invalid {'isofilter' if iso else 'templatefilter'} {flt!r}; "
            f"use one of {', '.join(TEMPLATE_FILTERS)}"
        )
    scope = list_scope(call.db, call.caller, args)
    scope_clause = scope.where(VMTemplate.account_id, VMTemplate.domain_id, VMTemplate.domain_path)
    owner_filter = args.account is not None or args.domainid is not None or args.projectid
    stmt = _base(call.db).where(
        VMTemplate.is_template.is_(not iso), _visibility(call.caller, flt, scope_clause)
    )
    if owner_filter:
        stmt = stmt.where(scope_clause)
    if not call.caller.is_admin:
        stmt = stmt.where(VMTemplate.template_type != "SYSTEM")
    stmt = _filters(stmt, args, iso)
    rows, count = fetch_page(call.db, stmt.order_by(VMTemplate.id, Zone.id), call, args)
    return ListResult(_views(call.db, [tuple(r) for r in rows], iso), count)


def _filters(stmt: Any, args: Args, iso: bool) -> Any:
    if args.id is not None:
        stmt = stmt.where(VMTemplate.id == args.id.id)
    if args.get("ids"):
        stmt = stmt.where(VMTemplate.id.in_([t.id for t in args.ids]))
    if args.zoneid is not None and args.zoneid != "-1":
        stmt = stmt.where(TemplateStoreRef.zone_id == args.zoneid.id)
    if args.name:
        stmt = stmt.where(VMTemplate.name == args.name)
    if args.keyword:
        stmt = stmt.where(VMTemplate.name.contains(args.keyword, autoescape=True))
    if args.hypervisor and not iso:
        stmt = stmt.where(func.lower(VMTemplate.hypervisor) == args.hypervisor.lower())
    if args.isready is not None:
        ready = TemplateStoreRef.download_state == templates.DOWNLOADED
        stmt = stmt.where(ready if args.isready else ~ready)
    if not iso and args.get("templatetype"):
        stmt = stmt.where(VMTemplate.template_type == args.templatetype.upper())
    if iso and args.get("bootable") is not None:
        stmt = stmt.where(VMTemplate.bootable.is_(bool(args.bootable)))
    if iso and args.get("ispublic") is not None:
        stmt = stmt.where(VMTemplate.is_public.is_(bool(args.ispublic)))
    clause = tags.tag_filter("ISO" if iso else "Template", VMTemplate.id, args.get("tags"))
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt


@command(
    "listTemplates",
    params=LIST_TEMPLATES_PARAMS,
    roles=ALL_ROLES,
    is_list=True,
    object_name="template",
    response_class="TemplateResponse",
)
def list_templates(call: Call, args: Args) -> ListResult:
    """List all public, private, and privileged templates."""
    return _list(call, args, iso=False)


@command(
    "listIsos",
    params=LIST_ISOS_PARAMS,
    roles=ALL_ROLES,
    is_list=True,
    object_name="iso",
    response_class="TemplateResponse",
)
def list_isos(call: Call, args: Args) -> ListResult:
    """Lists all available ISO files."""
    return _list(call, args, iso=True)


def _check_kind(row: VMTemplate, iso: bool) -> VMTemplate:
    if row.removed is not None or row.is_template == iso:
        what = "ISO" if iso else "template"
        raise InvalidParameter(f"Unable to find {what} with id {row.uuid}")
    return row


def _delete_enqueue(call: Call, args: Args, iso: bool) -> Enqueue:
    row = _check_kind(args.id, iso)
    templates.check_owner_access(call.caller, row)
    zone = args.zoneid if isinstance(args.zoneid, Zone) else None
    payload = {"id": row.id, "zone": zone.id if zone else None, "forced": bool(args.get("forced"))}
    return Enqueue(payload, instance_type="Template" if not iso else "Iso", instance_uuid=row.uuid)


def _delete_run(job: JobRun, payload: dict[str, Any]) -> SuccessResult:
    def work(s: Session) -> None:
        row = s.get(VMTemplate, int(payload["id"]))
        zone = s.get(Zone, int(payload["zone"])) if payload.get("zone") else None
        assert row is not None
        templates.delete(s, job.caller, row, zone, bool(payload.get("forced")))

    job.transaction(work)
    return SuccessResult()


@command(
    "deleteTemplate",
    params=DELETE_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    response_class="SuccessResponse",
)
def delete_template(call: Call, args: Args) -> Enqueue:
    """Deletes a template from the system."""
    return _delete_enqueue(call, args, iso=False)


@command(
    "deleteIso",
    params=DELETE_ISO_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    response_class="SuccessResponse",
)
def delete_iso(call: Call, args: Args) -> Enqueue:
    """Deletes an ISO file."""
    return _delete_enqueue(call, args, iso=True)


delete_template.execute(_delete_run)
delete_iso.execute(_delete_run)


@command(
    "copyTemplate",
    params=COPY_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="template",
    response_class="TemplateResponse",
)
def copy_template(call: Call, args: Args) -> Enqueue:
    """Copies a template from one zone to another."""
    return _copy(call, args, iso=False)


@command(
    "copyIso",
    params=COPY_ISO_PARAMS,
    # CopyIsoCmd extends CopyTemplateCmd and keeps its envelope name.
    response_name="copytemplateresponse",
    roles=ALL_ROLES,
    kind=Kind.ASYNC,
    object_name="iso",
    response_class="TemplateResponse",
)
def copy_iso(call: Call, args: Args) -> Enqueue:
    """Copies an ISO from one zone to another."""
    return _copy(call, args, iso=True)


def _copy(call: Call, args: Args, iso: bool) -> Enqueue:
    row = _check_kind(args.id, iso)
    templates.check_owner_access(call.caller, row)
    dests = [args.destzoneid] if args.destzoneid is not None else list(args.destzoneids or [])
    if not dests:
        raise InvalidParameter("Please specify destzoneid or destzoneids")
    source = args.sourcezoneid if isinstance(args.sourcezoneid, Zone) else None
    templates.copy(call.db, call.caller, row, source, dests)
    return Enqueue({"id": row.id, "zones": [z.id for z in dests]}, "Template", row.uuid)


def _copy_run(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    # The copies were queued in the request; the store downloads them. The job
    # reports the template as seen in the first destination zone.
    def view(s: Session) -> dict[str, Any]:
        stmt = _base(s).where(
            VMTemplate.id == int(payload["id"]), TemplateStoreRef.zone_id == payload["zones"][0]
        )
        rows = [tuple(r) for r in s.execute(stmt)]
        return _views(s, rows, not rows[0][0].is_template)[0]

    return ObjectResult(job.transaction(view))


copy_template.execute(_copy_run)
copy_iso.execute(_copy_run)


@command(
    "updateTemplate",
    params=UPDATE_TEMPLATE_PARAMS,
    roles=ALL_ROLES,
    object_name="template",
    response_class="TemplateResponse",
)
def update_template(call: Call, args: Args) -> ObjectResult:
    """Updates attributes of a template."""
    return _update(call, args, iso=False)


@command(
    "updateIso",
    params=UPDATE_ISO_PARAMS,
    roles=ALL_ROLES,
    object_name="iso",
    response_class="TemplateResponse",
)
def update_iso(call: Call, args: Args) -> ObjectResult:
    """Updates an ISO file."""
    return _update(call, args, iso=True)


def _update(call: Call, args: Args, iso: bool) -> ObjectResult:
    row = _check_kind(args.id, iso)
    templates.check_owner_access(call.caller, row)
    if args.name:
        row.name = args.name.strip()
    if args.displaytext:
        row.display_text = args.displaytext.strip()
    if args.ostypeid is not None:
        row.guest_os_id = args.ostypeid.id
    if args.passwordenabled is not None:
        row.password_enabled = bool(args.passwordenabled)
    if args.sshkeyenabled is not None:
        row.ssh_key_enabled = bool(args.sshkeyenabled)
    if args.bootable is not None:
        row.bootable = bool(args.bootable)
    if args.format and not iso:
        row.format = templates.normalise_format(args.format)
    if args.isdynamicallyscalable is not None:
        row.is_dynamically_scalable = bool(args.isdynamicallyscalable)
    call.db.flush()
    rows = _rows(call.db, call.caller, [row.id])
    if not rows:
        raise InvalidParameter(f"Template {row.uuid} is in no zone any more")
    return ObjectResult(rows[0])
