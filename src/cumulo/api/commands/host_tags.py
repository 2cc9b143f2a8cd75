"""listHostTags: every (host, tag) pair of the live hosts.

Host tags are kept on the host row (comma separated, as addHost/updateHost
take them); each pair is one HostTagResponse. There is no host_tags table, so
the item id is the pair itself (``<host uuid>:<tag>``): stable and unique.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.paging import page_window
from cumulo.api.results import ListResult
from cumulo.db.models.host import Host


@command(
    "listHostTags",
    is_list=True,
    object_name="hosttag",
    response_class="HostTagResponse",
)
def list_host_tags(call: Call, args: Args) -> ListResult:
    """Lists host tags"""
    stmt = select(Host.id, Host.uuid, Host.tags).where(
        Host.removed.is_(None), Host.tags.is_not(None)
    )
    if args.keyword:
        stmt = stmt.where(Host.tags.contains(args.keyword, autoescape=True))
    pairs: list[dict[str, Any]] = []
    for host_id, host_uuid, tags in call.db.execute(stmt.order_by(Host.id)):
        for tag in (t.strip() for t in (tags or "").split(",")):
            if tag and (not args.keyword or args.keyword in tag):
                pairs.append(
                    {
                        "id": f"{host_uuid}:{tag}",
                        "hostid": host_id,
                        "name": tag,
                        "isimplicit": False,
                    }
                )
    offset, limit = page_window(call, args)
    page = pairs[offset:] if limit is None else pairs[offset : offset + limit]
    return ListResult(page, len(pairs))
