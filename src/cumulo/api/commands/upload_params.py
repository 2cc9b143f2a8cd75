"""Browser uploads (§6.6, §6.8): getUploadParamsForVolume / ForTemplate / ForIso.

Each creates the resource NotUploaded and answers where and how to POST the
file (services/post_uploads, http/upload.py).
"""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.templates import template_fields
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.errors import InvalidParameter
from cumulo.services import post_uploads
from cumulo.services.infra_common import live
from cumulo.services.resource_owner import resolve_owner

S, U, B = ParamType.STRING, ParamType.UUID, ParamType.BOOLEAN
FORMAT_TEXT = "the format of the file: QCOW2, RAW, VHD, VHDX, OVA, VMDK or TAR (ISO for ISOs)"
OWNER = [
    Param("account", S, description="the account (with domainid) owning the resource"),
    Param("domainid", U, entity="Domain", description="the domain of the account"),
    Param("projectid", U, entity="Project", description="the project of the resource"),
]
COMMON = [
    *OWNER,
    Param("checksum", S, description="the checksum of the file ({SHA-256}hex, or hex MD5...)"),
    Param("format", S, required=True, description=FORMAT_TEXT),
    Param("name", S, required=True, description="the name of the resource"),
    Param("zoneid", U, required=True, entity="Zone", description="the zone to upload to"),
]
IMAGE = [
    Param("displaytext", S, length=4096, description="the text shown for it"),
    Param("isextractable", B, description="true if it may be downloaded"),
    Param("isfeatured", B, description="true if it is featured"),
    Param("ispublic", B, description="true if every account may use it"),
    Param("ostypeid", U, entity="GuestOs", description="the guest OS type"),
]
RESULT: dict[str, Any] = {
    "kind": Kind.SYNC,
    "roles": ALL_ROLES,
    "object_name": "getuploadparams",
    "response_class": "GetUploadParamsResponse",
}


@command(
    "getUploadParamsForVolume",
    params=[
        *COMMON,
        Param("diskofferingid", U, entity="DiskOffering", description="a custom disk offering"),
        Param("imagestoreuuid", S, description="the image store to upload to"),
    ],
    response_name="postuploadvolumeresponse",
    **RESULT,
)
def get_upload_params_for_volume(call: Call, args: Args) -> ObjectResult:
    """Upload a data disk to the cloud"""
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    params = post_uploads.volume_params(
        call.db,
        call.runtime,
        call.caller,
        owner,
        live(args.zoneid, "zone"),
        args.name,
        args.format,
        args.diskofferingid,
        args.checksum,
        args.imagestoreuuid,
    )
    return ObjectResult(params)


def _image(call: Call, args: Args, *, iso: bool) -> ObjectResult:
    owner = resolve_owner(call.db, call.caller, args.account, args.domainid, args.projectid)
    if iso and args.format.strip().upper() != "ISO":
        raise InvalidParameter(f"Invalid format {args.format!r} for an ISO; use ISO")
    fields = template_fields(call, args, iso=iso)
    params = post_uploads.template_params(
        call.db, call.runtime, call.caller, owner, live(args.zoneid, "zone"), **fields
    )
    return ObjectResult(params)


@command(
    "getUploadParamsForTemplate",
    params=[
        *COMMON,
        *IMAGE,
        Param("arch", S, since="4.20", description="the CPU architecture"),
        Param("bits", ParamType.INTEGER, description="32 or 64 bits"),
        Param("deployasis", B, since="4.15.1", description="VMware only: deploy as is"),
        Param("details", ParamType.MAP, description="template details"),
        Param("forcks", B, since="4.21.0", description="for CKS clusters"),
        Param("hypervisor", S, required=True, description="the hypervisor it is for"),
        Param("isdynamicallyscalable", B, description="true if VMs may scale while running"),
        Param("isrouting", B, description="true for a routing template"),
        Param("passwordenabled", B, description="true if it supports password reset"),
        Param("requireshvm", B, description="true if it needs HVM"),
        Param("sshkeyenabled", B, description="true if it supports SSH key injection"),
        Param("templatetag", S, description="the template tag"),
        Param("templatetype", S, since="4.22.0", description="USER, ROUTING, SYSTEM, BUILTIN"),
    ],
    response_name="postuploadtemplateresponse",
    **RESULT,
)
def get_upload_params_for_template(call: Call, args: Args) -> ObjectResult:
    """upload an existing template into the CloudStack cloud."""
    return _image(call, args, iso=False)


@command(
    "getUploadParamsForIso",
    params=[*COMMON, *IMAGE, Param("bootable", B, description="true if VMs may boot from it")],
    response_name="postuploadisoresponse",
    **RESULT,
)
def get_upload_params_for_iso(call: Call, args: Args) -> ObjectResult:
    """upload an existing ISO into the CloudStack cloud."""
    return _image(call, args, iso=True)
