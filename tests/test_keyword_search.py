"""``keyword`` on listVirtualMachines / listVolumes: the trigram index finds what LIKE finds.

On SQLite the search goes through an FTS5 trigram index kept by triggers; the
expected rows are computed here from the listed names with a plain substring
test, before and after renames, soft deletes and row deletions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text, update

from cumulo.db import keyword_index
from cumulo.db.models.vm import VMInstance
from cumulo.db.models.volume import Volume
from tests.support.cloud import running_cloud
from tests.support.cloud import test_settings as settings_for
from tests.test_seed_smoke import _seeder

KEYWORDS = ["scale-vm-1", "VM-12", "m-19", "sCaLe", "vm-1_", "vm-1%", "-1", "7", "zzz", "Ünï"]


def _like(keyword: str, *values: str | None) -> bool:
    """SQLite's LIKE '%kw%' (ASCII case folding, % and _ wildcards) for these keywords."""
    pattern = "".join(
        "." if c == "_" else ".*" if c == "%" else re.escape(c.lower() if c.isascii() else c)
        for c in keyword
    )
    return any(
        v is not None
        and re.search(pattern, "".join(ch.lower() if ch.isascii() else ch for ch in v))
        for v in values
    )


def _listed(api: Any, command: str, key: str, **params: Any) -> dict[str, dict[str, Any]]:
    reply = api.call(command, listall=True, pagesize=-1, **params)
    return {item["id"]: item for item in reply.get(key, [])}


def _check(api: Any) -> None:
    vms = _listed(api, "listVirtualMachines", "virtualmachine")
    volumes = _listed(api, "listVolumes", "volume")
    for kw in KEYWORDS:
        found = _listed(api, "listVirtualMachines", "virtualmachine", keyword=kw)
        want = {i for i, v in vms.items() if _like(kw, v["name"], v.get("displayname"))}
        assert set(found) == want, kw
        found = _listed(api, "listVolumes", "volume", keyword=kw.replace("vm", "ROOT"))
        want = {i for i, v in volumes.items() if _like(kw.replace("vm", "ROOT"), v["name"])}
        assert set(found) == want, kw


def test_keyword_matches_like_through_renames_and_deletes(tmp_path: Path) -> None:
    with running_cloud(settings_for(tmp_path / "data")) as cloud:
        _seeder().Seeder(cloud.rt, 0.0004).run()  # 40 VMs, 80 volumes
        api = cloud.admin
        fts_rows = cloud.rt.db.run(
            lambda s: s.execute(text("SELECT count(*) FROM vm_instance_fts")).scalar_one()
        )
        assert fts_rows >= 40  # the index exists on this SQLite and follows bulk inserts
        _check(api)

        def rename(s: Any) -> None:
            s.execute(
                update(VMInstance)
                .where(VMInstance.name == "scale-vm-12")
                .values(name="Renamed-Box", display_name="Ünïcode box")
            )
            s.execute(update(Volume).where(Volume.name.like("ROOT-%3")).values(name="boot-disk"))
            s.execute(
                update(VMInstance)
                .where(VMInstance.name == "scale-vm-13")
                .values(removed=datetime.now(UTC))
            )
            gone = s.execute(select(Volume.id).where(Volume.volume_type == "DATADISK")).scalars()
            s.execute(delete(Volume).where(Volume.id.in_(list(gone)[:5])))

        cloud.rt.db.run(rename)
        _check(api)
        renamed = _listed(api, "listVirtualMachines", "virtualmachine", keyword="renamed-b")
        assert [v["displayname"] for v in renamed.values()] == ["Ünïcode box"]
        assert not _listed(api, "listVirtualMachines", "virtualmachine", keyword="scale-vm-12")
        assert not _listed(api, "listVirtualMachines", "virtualmachine", keyword="scale-vm-13")
        assert len(_listed(api, "listVolumes", "volume", keyword="boot-DISK")) >= 1


def test_trigram_is_used_only_where_it_matches_like() -> None:
    assert keyword_index.trigram_available()  # SQLite >= 3.34 on every supported Debian
    safe = keyword_index._trigram_safe
    assert safe("vm-4242") and safe("abc")
    assert not safe("ab") and not safe("vm_1") and not safe("50%") and not safe("Ünï")
